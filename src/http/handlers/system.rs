//! `/`, `/ping`, `/stats`, `/cluster/metadata`, `/clients`.

use super::Answer;
use crate::handlers::auth::require;
use crate::handlers::system::{get_cluster_metadata, get_stats};
use crate::http::auth::Caller;
use crate::http::error::HttpError;
use crate::http::json::{Client, ClientWithGroups, ClusterMetadata, StatsJson};
use crate::http::HttpState;
use actix_web::{web, HttpResponse};
use iggy_actors::access::Action;
use iggy_actors::metadata::{GetClient, GetClients};

pub async fn root() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("Iggy API")
}

pub async fn ping() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("pong")
}

pub async fn stats(state: web::Data<HttpState>, caller: Caller) -> Answer {
    let stats = get_stats::collect(&state.ctx, &caller.session()).await?;
    Ok(HttpResponse::Ok().json(StatsJson::from(stats)))
}

pub async fn cluster_metadata(state: web::Data<HttpState>, _: Caller) -> Answer {
    let (name, nodes) = get_cluster_metadata::nodes(&state.ctx);
    Ok(HttpResponse::Ok().json(ClusterMetadata::new(name, &nodes)))
}

pub async fn clients(state: web::Data<HttpState>, caller: Caller) -> Answer {
    require(&state.ctx, &caller.session(), Action::ReadServers).await?;
    let clients = state.ctx.metadata.send(GetClients).await?;
    let list: Vec<Client> = clients.iter().map(Client::from).collect();
    Ok(HttpResponse::Ok().json(list))
}

pub async fn client(state: web::Data<HttpState>, caller: Caller, path: web::Path<u32>) -> Answer {
    require(&state.ctx, &caller.session(), Action::ReadServers).await?;
    let client_id = path.into_inner();
    let client = state.ctx.metadata.send(GetClient { client_id }).await?;
    let client = client.ok_or(HttpError::NotFound)?;
    Ok(HttpResponse::Ok().json(ClientWithGroups::from(&client)))
}

/// `POST /snapshot`: the same archive as GetSnapshot (11), as `application/zip`.
pub async fn snapshot(
    state: web::Data<HttpState>,
    _: Caller,
    body: web::Json<crate::http::requests::Snapshot>,
) -> Answer {
    use iggy_actors::snapshot::{compression_from_name, expand, Requested};
    let deflate = compression_from_name(&body.compression)?;
    let requested = body
        .snapshot_types
        .iter()
        .map(|name| Requested::from_name(name))
        .collect::<Result<Vec<_>, _>>()?;
    let types = expand(&requested)?;
    let zip = crate::handlers::system::get_snapshot::handle(&state.ctx, deflate, types).await?;
    let name = format!("iggy_snapshot_{}.zip", chrono_like_now());
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .body(zip))
}

/// `YYYYMMDD_HHMMSS` (UTC) for the archive's file name.
fn chrono_like_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}_{:02}{:02}{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}
