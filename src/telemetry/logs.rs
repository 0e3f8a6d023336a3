//! The log records that go to stdout and the file also go to OTLP: this writer is one more
//! output of the one logger (`logging::Logging::also_write_to`), so records pass the same
//! level filter and nothing is printed twice. Each becomes an OpenTelemetry log record with
//! its level (severity), target, message (body), key-value fields, code location and thread;
//! a record written while a traced request is served carries the request's trace and span.
//!
//! The export thread's own records (its reports, and anything the HTTP/gRPC clients log) are
//! not exported: that thread runs in the SDK's suppressed scope, so a collector that fails
//! cannot feed its failures back into the queue.

use flexi_logger::writers::LogWriter;
use flexi_logger::DeferredNow;
use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, Severity};
use opentelemetry::Key;
use opentelemetry_sdk::logs::SdkLogger;
use std::time::SystemTime;

pub struct OtlpLogWriter {
    pub logger: SdkLogger,
}

impl LogWriter for OtlpLogWriter {
    fn write(&self, _: &mut DeferredNow, record: &log::Record) -> std::io::Result<()> {
        let mut out = self.logger.create_log_record();
        let (number, text) = severity(record.level());
        out.set_severity_number(number);
        out.set_severity_text(text);
        out.set_timestamp(SystemTime::now());
        out.set_target(record.target().to_string());
        out.set_body(AnyValue::from(record.args().to_string()));
        if let Some(module) = record.module_path() {
            out.add_attribute("code.namespace", module.to_string());
        }
        if let Some(file) = record.file() {
            out.add_attribute("code.file.path", file.to_string());
        }
        if let Some(line) = record.line() {
            out.add_attribute("code.line.number", i64::from(line));
        }
        if let Some(name) = std::thread::current().name() {
            out.add_attribute("thread.name", name.to_string());
        }
        let _ = record.key_values().visit(&mut Fields(&mut out));
        self.logger.emit(out);
        Ok(())
    }

    fn flush(&self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The OpenTelemetry severity of a `log` level.
fn severity(level: log::Level) -> (Severity, &'static str) {
    match level {
        log::Level::Error => (Severity::Error, "ERROR"),
        log::Level::Warn => (Severity::Warn, "WARN"),
        log::Level::Info => (Severity::Info, "INFO"),
        log::Level::Debug => (Severity::Debug, "DEBUG"),
        log::Level::Trace => (Severity::Trace, "TRACE"),
    }
}

/// Adds a record's key-value fields as attributes, keeping numbers and booleans typed.
struct Fields<'a>(&'a mut opentelemetry_sdk::logs::SdkLogRecord);

impl<'kvs> log::kv::VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(
        &mut self,
        key: log::kv::Key<'kvs>,
        value: log::kv::Value<'kvs>,
    ) -> Result<(), log::kv::Error> {
        let key = Key::from(key.as_str().to_string());
        let value = if let Some(n) = value.to_i64() {
            AnyValue::Int(n)
        } else if let Some(b) = value.to_bool() {
            AnyValue::Boolean(b)
        } else if let Some(f) = value.to_f64() {
            AnyValue::Double(f)
        } else {
            AnyValue::from(value.to_string())
        };
        self.0.add_attribute(key, value);
        Ok(())
    }
}
