//! Value formats: sizes, durations, expiries, topic sizes, index caching, CPU allocation.

use std::time::Duration;

use super::*;

fn size(text: &str) -> u64 {
    text.parse::<ByteSize>()
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .as_bytes()
}

fn duration(text: &str) -> Duration {
    text.parse::<IggyDuration>()
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .as_duration()
}

#[test]
fn byte_sizes_parse() {
    assert_eq!(size("2 MB"), 2_000_000);
    assert_eq!(size("1 GiB"), 1 << 30);
    assert_eq!(size("100 KB"), 100_000);
    assert_eq!(size("5KiB"), 5 * 1024);
    assert_eq!(size("512B"), 512);
    assert_eq!(size("512 B"), 512);
    assert_eq!(size("0"), 0);
    assert_eq!(size("4 GB"), 4_000_000_000);
    assert_eq!(size("1 TiB"), 1 << 40);
    assert_eq!(size("3 tb"), 3_000_000_000_000);
    assert_eq!(size("1 mib"), 1 << 20);
    assert_eq!(size("1.5 GiB"), 3 << 29);
    for bad in [
        "",
        "abc",
        "5 XB",
        "-1 KB",
        "1..2 MB",
        "99999999999999999999 TB",
    ] {
        assert!(bad.parse::<ByteSize>().is_err(), "{bad} should fail");
    }
}

#[test]
fn byte_sizes_from_toml_integers_and_round_trip() {
    #[derive(serde::Deserialize, serde::Serialize)]
    struct S {
        v: ByteSize,
    }
    let s: S = toml::from_str("v = 4096").unwrap();
    assert_eq!(s.v, ByteSize(4096));
    assert!(toml::from_str::<S>("v = -5").is_err());
    for bytes in [
        0,
        1,
        512,
        1000,
        1024,
        100_000,
        1 << 30,
        4_000_000_000,
        123_456_789,
        u64::MAX,
    ] {
        let text = ByteSize(bytes).to_string();
        assert_eq!(size(&text), bytes, "{text}");
    }
    assert_eq!(ByteSize(1 << 20).to_string(), "1 MiB");
    assert_eq!(ByteSize(100_000).to_string(), "100 KB");
    assert_eq!(
        toml::to_string(&S {
            v: ByteSize(2_000_000)
        })
        .unwrap()
        .trim(),
        "v = \"2 MB\""
    );
}

#[test]
fn durations_parse() {
    assert_eq!(duration("30s"), Duration::from_secs(30));
    assert_eq!(duration("1 m"), Duration::from_secs(60));
    assert_eq!(duration("5 s"), Duration::from_secs(5));
    assert_eq!(duration("100ms"), Duration::from_millis(100));
    assert_eq!(duration("7 days"), Duration::from_secs(7 * 86_400));
    assert_eq!(
        duration("2 days 4 hours 15 minutes"),
        Duration::from_secs(2 * 86_400 + 4 * 3600 + 15 * 60)
    );
    assert_eq!(duration("1 h"), Duration::from_secs(3600));
    assert_eq!(duration("1h30m"), Duration::from_secs(5400));
    assert_eq!(duration("0 s"), Duration::ZERO);
    for zero in ["0", "none", "unlimited", "disabled", "NONE", "Disabled"] {
        assert!(zero.parse::<IggyDuration>().unwrap().is_zero(), "{zero}");
    }
    for bad in ["", "30", "5 parsecs", "s", "1 m x", "-1s"] {
        assert!(bad.parse::<IggyDuration>().is_err(), "{bad} should fail");
    }
}

#[test]
fn durations_round_trip_and_reject_integers() {
    for d in [
        Duration::ZERO,
        Duration::from_millis(100),
        Duration::from_secs(5),
        Duration::from_secs(7 * 86_400 + 3661),
        Duration::new(3, 1_002_003),
    ] {
        let text = IggyDuration(d).to_string();
        assert_eq!(duration(&text), d, "{text}");
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct S {
        v: IggyDuration,
    }
    let err = toml::from_str::<S>("v = 30").unwrap_err();
    assert!(err.message().contains("duration"), "{err}");
}

#[test]
fn expiries_parse() {
    let e = |t: &str| {
        t.parse::<IggyExpiry>()
            .unwrap_or_else(|e| panic!("{t}: {e}"))
    };
    for never in ["none", "unlimited", "never_expire", "None"] {
        assert_eq!(e(never), IggyExpiry::NeverExpire);
    }
    assert_eq!(e("default"), IggyExpiry::ServerDefault);
    assert_eq!(e("server_default"), IggyExpiry::ServerDefault);
    assert_eq!(
        e("1 h"),
        IggyExpiry::ExpireDuration(IggyDuration(Duration::from_secs(3600)))
    );
    assert!(
        "200000 days".parse::<IggyExpiry>().is_err(),
        "above u32::MAX seconds"
    );
    assert!("soon".parse::<IggyExpiry>().is_err());
    for value in [
        IggyExpiry::NeverExpire,
        IggyExpiry::ServerDefault,
        e("2 days 3 s"),
    ] {
        assert_eq!(e(&value.to_string()), value);
    }
}

#[test]
fn max_topic_sizes_parse() {
    let m = |t: &str| {
        t.parse::<MaxTopicSize>()
            .unwrap_or_else(|e| panic!("{t}: {e}"))
    };
    assert_eq!(m("unlimited"), MaxTopicSize::Unlimited);
    assert_eq!(m("Unlimited"), MaxTopicSize::Unlimited);
    assert_eq!(m("0"), MaxTopicSize::ServerDefault);
    assert_eq!(m("server_default"), MaxTopicSize::ServerDefault);
    assert_eq!(m("10 GiB"), MaxTopicSize::Custom(10 << 30));
    assert!("lots".parse::<MaxTopicSize>().is_err());
    for value in [
        MaxTopicSize::Unlimited,
        MaxTopicSize::ServerDefault,
        MaxTopicSize::Custom(5_000_000),
    ] {
        assert_eq!(m(&value.to_string()), value);
    }
}

#[test]
fn cache_indexes_parse() {
    #[derive(serde::Deserialize)]
    struct S {
        v: CacheIndexes,
    }
    let c = |t: &str| toml::from_str::<S>(&format!("v = {t}")).map(|s| s.v);
    assert_eq!(c("\"all\"").unwrap(), CacheIndexes::All);
    assert_eq!(c("\"TRUE\"").unwrap(), CacheIndexes::All);
    assert_eq!(c("true").unwrap(), CacheIndexes::All);
    assert_eq!(c("\"Open_Segment\"").unwrap(), CacheIndexes::OpenSegment);
    assert_eq!(c("\"none\"").unwrap(), CacheIndexes::None);
    assert_eq!(c("\"false\"").unwrap(), CacheIndexes::None);
    assert_eq!(c("false").unwrap(), CacheIndexes::None);
    assert!(c("\"some\"").is_err());
    assert!(c("3").is_err());
}

#[test]
fn cpu_allocations_parse() {
    let a = |t: &str| {
        t.parse::<CpuAllocation>()
            .unwrap_or_else(|e| panic!("{t}: {e}"))
    };
    assert_eq!(a("all"), CpuAllocation::All);
    assert_eq!(a("ALL"), CpuAllocation::All);
    assert_eq!(a("4"), CpuAllocation::Count(4));
    assert_eq!(a("Count:4"), CpuAllocation::Count(4));
    assert_eq!(a("5..8"), CpuAllocation::Range(5, 8));
    assert_eq!(a("numa:auto"), CpuAllocation::NumaAuto);
    assert_eq!(
        a("numa:nodes=0,1;cores=4;no_ht=true"),
        CpuAllocation::Numa {
            nodes: vec![0, 1],
            cores_per_node: 4,
            no_ht: true
        }
    );
    assert_eq!(
        a("numa:cores=2"),
        CpuAllocation::Numa {
            nodes: vec![],
            cores_per_node: 2,
            no_ht: true
        }
    );
    for bad in [
        "",
        "some",
        "numa:nodes=0;speed=3",
        "numa:nodes",
        "numa:no_ht=maybe",
        "1..x",
        "-1",
        "numa:nodes=a",
    ] {
        assert!(bad.parse::<CpuAllocation>().is_err(), "{bad} should fail");
    }
    #[derive(serde::Deserialize, serde::Serialize)]
    struct S {
        v: CpuAllocation,
    }
    assert_eq!(
        toml::from_str::<S>("v = 4").unwrap().v,
        CpuAllocation::Count(4)
    );
    assert!(toml::from_str::<S>("v = 1.5").is_err());
    for value in [
        "all",
        "4",
        "5..8",
        "numa:auto",
        "numa:nodes=0,1;cores=4;no_ht=false",
        "numa:cores=0;no_ht=true",
    ] {
        let parsed = a(value);
        let text = toml::to_string(&S { v: parsed.clone() }).unwrap();
        assert_eq!(toml::from_str::<S>(&text).unwrap().v, parsed, "{text}");
    }
}

#[test]
fn enums_parse() {
    assert_eq!(
        "GZIP".parse::<CompressionAlgorithm>().unwrap(),
        CompressionAlgorithm::Gzip
    );
    assert_eq!(
        "none".parse::<CompressionAlgorithm>().unwrap(),
        CompressionAlgorithm::None
    );
    let err = "lz4".parse::<CompressionAlgorithm>().unwrap_err();
    assert!(err.contains("\"none\", \"gzip\""), "{err}");
    assert_eq!(
        "http".parse::<TelemetryTransport>().unwrap(),
        TelemetryTransport::Http
    );
    assert_eq!(
        "grpc".parse::<TelemetryTransport>().unwrap(),
        TelemetryTransport::Grpc
    );
    assert!("udp".parse::<TelemetryTransport>().is_err());
}
