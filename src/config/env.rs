//! `IGGY_*` environment overrides: one variable per leaf key, found with `envy`
//! section by section, typed as in Iggy (bool, integer, float, `[...]` array, string).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use toml::{Table, Value};

/// Variables that are read elsewhere and never warned about.
const IGNORED: [&str; 9] = [
    "IGGY_CONFIG_PATH",
    "IGGY_ROOT_USERNAME",
    "IGGY_ROOT_PASSWORD",
    "IGGY_ENV_PATH",
    "IGGY_DISPLAY_CONFIG",
    "IGGY_CI_BUILD",
    "IGGY_TEST_VERBOSE",
    "IGGY_TEST_CLEANUP_DISABLED",
    "IGGY_MCP_CONFIG_PATH",
];
const IGNORED_PREFIXES: [&str; 1] = ["IGGY_CONNECTORS_"];

/// Variables whose value is never shown.
const SECRETS: [&str; 3] = [
    "IGGY_HTTP_JWT_ENCODING_SECRET",
    "IGGY_HTTP_JWT_DECODING_SECRET",
    "IGGY_SYSTEM_ENCRYPTION_KEY",
];

/// Arrays of tables may be given for these indexes only.
const MAX_ARRAY_INDEX: usize = 9;

/// Which variable set which key (`cluster.node.others[0].ip` style path).
#[derive(Debug, Clone)]
pub(crate) struct EnvOrigin {
    pub path: String,
    pub var: String,
    /// The value as it may be shown (secrets masked).
    pub value: String,
    /// The value is a secret: errors must not quote it.
    pub secret: bool,
}

#[derive(Debug, Default)]
pub(crate) struct EnvOutcome {
    pub origins: Vec<EnvOrigin>,
    pub applied: Vec<String>,
    pub warnings: Vec<String>,
}

/// The key layout of the defaults: plain leaves grouped by section, and arrays of tables.
#[derive(Default)]
struct Schema {
    sections: BTreeMap<Vec<String>, Vec<String>>,
    table_arrays: Vec<(Vec<String>, Vec<Vec<String>>)>,
}

fn collect_schema(table: &Table, path: &mut Vec<String>, schema: &mut Schema) {
    for (key, value) in table {
        match value {
            Value::Table(t) => {
                path.push(key.clone());
                collect_schema(t, path, schema);
                path.pop();
            }
            Value::Array(items) if matches!(items.first(), Some(Value::Table(_))) => {
                let mut leaves = Vec::new();
                if let Some(Value::Table(element)) = items.first() {
                    collect_leaves(element, &mut Vec::new(), &mut leaves);
                }
                let mut full = path.clone();
                full.push(key.clone());
                schema.table_arrays.push((full, leaves));
            }
            _ => schema
                .sections
                .entry(path.clone())
                .or_default()
                .push(key.clone()),
        }
    }
}

fn collect_leaves(table: &Table, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    for (key, value) in table {
        path.push(key.clone());
        match value {
            Value::Table(t) => collect_leaves(t, path, out),
            _ => out.push(path.clone()),
        }
        path.pop();
    }
}

fn var_prefix(path: &[String]) -> String {
    let mut prefix = String::from("IGGY_");
    for part in path {
        prefix.push_str(&part.to_ascii_uppercase());
        prefix.push('_');
    }
    prefix
}

/// Variables under `prefix`, keyed by the lower-cased rest of their name.
fn with_prefix(prefix: &str, vars: &BTreeMap<String, String>) -> HashMap<String, String> {
    envy::prefixed(prefix)
        .from_iter::<_, HashMap<String, String>>(vars.iter().map(|(k, v)| (k.clone(), v.clone())))
        .unwrap_or_default()
}

/// Applies the overrides in `env` onto `merged`, using `defaults` for the key layout.
pub(crate) fn apply(
    merged: &mut Table,
    defaults: &Table,
    env: &HashMap<String, String>,
) -> EnvOutcome {
    let vars: BTreeMap<String, String> = env
        .iter()
        .filter(|(k, v)| k.starts_with("IGGY_") && !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut schema = Schema::default();
    collect_schema(defaults, &mut Vec::new(), &mut schema);
    let mut outcome = EnvOutcome::default();
    let mut consumed = BTreeSet::new();
    let mut known = Vec::new();
    for (section, keys) in &schema.sections {
        let prefix = var_prefix(section);
        let found = with_prefix(&prefix, &vars);
        for key in keys {
            let var = format!("{prefix}{}", key.to_ascii_uppercase());
            known.push(var.clone());
            let Some(raw) = found.get(key) else { continue };
            let mut path = section.clone();
            path.push(key.clone());
            set_path(merged, &path, type_value(raw));
            record(&mut outcome, path.join("."), &var, raw);
            consumed.insert(var);
        }
    }
    for (path, leaves) in &schema.table_arrays {
        apply_table_array(
            merged,
            path,
            leaves,
            &vars,
            &mut outcome,
            &mut consumed,
            &mut known,
        );
    }
    warn_unknown(&vars, &consumed, &known, &mut outcome.warnings);
    outcome
}

/// Assembles `IGGY_<PATH>_<i>_<LEAF>` variables into an array replacing the file's array.
fn apply_table_array(
    merged: &mut Table,
    path: &[String],
    leaves: &[Vec<String>],
    vars: &BTreeMap<String, String>,
    outcome: &mut EnvOutcome,
    consumed: &mut BTreeSet<String>,
    known: &mut Vec<String>,
) {
    let mut elements: Vec<Table> = Vec::new();
    for index in 0..=MAX_ARRAY_INDEX {
        let prefix = format!("{}{index}_", var_prefix(path));
        let found = with_prefix(&prefix, vars);
        for leaf in leaves {
            let key = leaf.join("_");
            let var = format!("{prefix}{}", key.to_ascii_uppercase());
            known.push(var.clone());
            let Some(raw) = found.get(&key) else { continue };
            if elements.len() <= index {
                elements.resize_with(index + 1, Table::new);
            }
            if let Some(element) = elements.get_mut(index) {
                set_path(element, leaf, type_value(raw));
            }
            let key_path = format!("{}[{index}].{}", path.join("."), leaf.join("."));
            record(outcome, key_path, &var, raw);
            consumed.insert(var);
        }
    }
    if !elements.is_empty() {
        let array = elements.into_iter().map(Value::Table).collect();
        set_path(merged, path, Value::Array(array));
    }
}

fn record(outcome: &mut EnvOutcome, path: String, var: &str, raw: &str) {
    let secret = SECRETS.contains(&var);
    let shown = if secret { super::MASK } else { raw };
    outcome.applied.push(format!(
        "{var} value changed to: {shown} from environment variable"
    ));
    outcome.origins.push(EnvOrigin {
        path,
        var: var.to_string(),
        value: shown.to_string(),
        secret,
    });
}

fn set_path(table: &mut Table, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = table;
    for part in parents {
        let entry = current
            .entry(part.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        let Value::Table(next) = entry else { return };
        current = next;
    }
    current.insert(last.clone(), value);
}

/// Iggy's typing of variable text: bool, integer, float, `[a, "b"]` array, else string.
pub(crate) fn type_value(raw: &str) -> Value {
    let text = raw.trim();
    if text.eq_ignore_ascii_case("true") {
        return Value::Boolean(true);
    }
    if text.eq_ignore_ascii_case("false") {
        return Value::Boolean(false);
    }
    if let Ok(i) = text.parse::<i64>() {
        return Value::Integer(i);
    }
    let numeric =
        text.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '.');
    if numeric {
        if let Ok(f) = text.parse::<f64>() {
            return Value::Float(f);
        }
    }
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return Value::Array(split_array(inner).into_iter().map(Value::String).collect());
    }
    Value::String(raw.to_string())
}

/// Splits on commas outside double quotes; trims and unquotes each element.
fn split_array(inner: &str) -> Vec<String> {
    if inner.trim().is_empty() {
        return Vec::new();
    }
    let mut items = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in inner.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => items.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    items.push(current);
    items
        .into_iter()
        .map(|item| {
            let item = item.trim();
            match item.strip_prefix('"').and_then(|i| i.strip_suffix('"')) {
                Some(unquoted) => unquoted.to_string(),
                None => item.to_string(),
            }
        })
        .collect()
}

fn warn_unknown(
    vars: &BTreeMap<String, String>,
    consumed: &BTreeSet<String>,
    known: &[String],
    warnings: &mut Vec<String>,
) {
    for var in vars.keys() {
        if consumed.contains(var)
            || IGNORED.contains(&var.as_str())
            || IGNORED_PREFIXES.iter().any(|p| var.starts_with(p))
        {
            continue;
        }
        let mut scored: Vec<(usize, &String)> =
            known.iter().map(|k| (levenshtein(var, k), k)).collect();
        scored.sort();
        let limit = (var.len() / 3).max(3);
        let similar: Vec<&str> = scored
            .iter()
            .filter(|(d, _)| *d <= limit)
            .take(3)
            .map(|(_, k)| k.as_str())
            .collect();
        let hint = if similar.is_empty() {
            String::new()
        } else {
            format!("; did you mean: {}?", similar.join(", "))
        };
        warnings.push(format!(
            "unknown environment variable {var} is ignored (it names no configuration key){hint}"
        ));
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            let insert = current[j] + 1;
            let delete = previous[j + 1] + 1;
            current.push(substitute.min(insert).min(delete));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}
