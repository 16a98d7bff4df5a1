//! Cost of log pattern packs on the per-line scan path.
//!
//! Generates realistic container logs (klog, JSON lines, RFC 3339 app lines,
//! ingress-nginx access lines, Java stack traces, a share of `kubectl logs
//! --timestamps` prefixes and of non-ASCII text, rare signature lines) and
//! rule packs of 50 and 500 realistic regexes (the 50 pack is a subset of the
//! 500 pack), all from a fixed seed, then times `podmortem::logscan::scan`
//! over the same logs with no patterns, the 50 pack and the 500 pack. Prints
//! a table and fails when the 500 pack costs more than twice the 50 pack.
//!
//! One more row, for information only, adds to the 500 pack one unanchored
//! pattern with no literal (`\b[0-9a-f]{40}\b`): such a pattern has to run
//! on every line, so it shows what each of them costs.
//!
//! `scripts/bench-patterns` (full size), `scripts/bench-patterns --smoke`
//! (small, for CI). Under `cargo test` (no `--bench` flag) it only checks
//! attribution on a small corpus, so the debug-mode test run stays quick.

use std::collections::HashSet;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use podmortem::logscan::{LogDigest, LogPatterns, scan, split_timestamp};
use regex::Regex;

/// The budget from the issue: a 500-pattern pack costs at most this many
/// times a 50-pattern pack on the same logs.
const MAX_RATIO: f64 = 2.0;

/// The informational extra: unanchored, and no literal any match must hold.
const NO_LITERAL_UNANCHORED: &str = r"\b[0-9a-f]{40}\b";

struct Mode {
    name: &'static str,
    bytes: usize,
    repeats: usize,
    /// Lines of the log checked against running each regex alone.
    checked_lines: usize,
    enforce: bool,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let benching = args.iter().any(|a| a == "--bench");
    let smoke = args.iter().any(|a| a == "--smoke");
    let mode = if !benching {
        Mode {
            name: "test (attribution check only; run scripts/bench-patterns for figures)",
            bytes: 128 << 10,
            repeats: 1,
            checked_lines: 600,
            enforce: false,
        }
    } else if smoke {
        Mode { name: "smoke", bytes: 3 << 20, repeats: 7, checked_lines: 3000, enforce: true }
    } else {
        Mode { name: "full", bytes: 32 << 20, repeats: 7, checked_lines: 3000, enforce: true }
    };

    let owned = pattern_pack(500);
    let pack500: Vec<&str> = owned.iter().map(String::as_str).collect();
    let pack50: Vec<&str> = pack500[..50].to_vec();
    let pack501: Vec<&str> = pack500.iter().copied().chain([NO_LITERAL_UNANCHORED]).collect();
    let log = generate_log(mode.bytes);
    let lines = log.iter().filter(|&&b| b == b'\n').count();
    let mb = log.len() as f64 / 1e6;
    println!("log pattern packs: mode {}, {:.1} MB, {} lines", mode.name, mb, lines);

    let mut compiled = Vec::new();
    for pack in [&[][..], &pack50[..], &pack500[..], &pack501[..]] {
        let start = Instant::now();
        match LogPatterns::new(pack) {
            Ok(p) => compiled.push((p, start.elapsed())),
            Err(e) => {
                eprintln!("FAIL: the {}-pattern pack does not compile: {e}", pack.len());
                return ExitCode::FAILURE;
            }
        }
    }
    println!(
        "LogPatterns::new (each regex compiles on first use, in the warm-up run): 50 patterns {:.1} ms, 500 patterns {:.1} ms",
        ms(compiled[1].1),
        ms(compiled[2].1)
    );

    // Attribution must be exact: the same hits as running each regex alone.
    let sample_end =
        log.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(mode.checked_lines).map_or(log.len(), |(i, _)| i + 1);
    if let Err(msg) = check_attribution(&log[..sample_end], &pack501, &compiled[3].0) {
        eprintln!("FAIL: attribution differs from running each regex alone: {msg}");
        return ExitCode::FAILURE;
    }

    let names = ["0", "50", "500", "500 + 1 unanchored, no literal"];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); compiled.len()];
    let mut digests: Vec<LogDigest> = Vec::new();
    // Warm-up, then interleaved repeats so drift hits every pack alike.
    for (patterns, _) in &compiled {
        digests.push(scan(log.as_slice(), patterns).expect("in-memory scan"));
    }
    for _ in 0..mode.repeats {
        for (i, (patterns, _)) in compiled.iter().enumerate() {
            let start = Instant::now();
            std::hint::black_box(scan(std::hint::black_box(log.as_slice()), patterns).expect("in-memory scan"));
            times[i].push(start.elapsed());
        }
    }
    if digests[2].hit_counts[..50] != digests[1].hit_counts[..]
        || digests[3].hit_counts[..500] != digests[2].hit_counts[..]
    {
        eprintln!("FAIL: a pack's hits differ from the same patterns inside a larger pack");
        return ExitCode::FAILURE;
    }
    let medians: Vec<Duration> = times.iter_mut().map(|t| median(t)).collect();
    let base50 = medians[1].as_secs_f64();

    println!();
    println!("| patterns | median | MB/s | ratio vs 50 | lines hit (sum over patterns) |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (i, name) in names.iter().enumerate() {
        let t = medians[i].as_secs_f64();
        let hit: u64 = digests[i].hit_counts.iter().sum();
        println!("| {name} | {:.1} ms | {:.0} | {:.2} | {hit} |", t * 1e3, mb / t, t / base50);
    }
    let ratio = medians[2].as_secs_f64() / base50;
    println!();
    println!("ratio 500/50 = {ratio:.2} (budget {MAX_RATIO:.1}); median of {} runs per pack", mode.repeats);
    if mode.enforce && ratio > MAX_RATIO {
        eprintln!(
            "FAIL: scanning with the 500-pattern pack took {ratio:.2}x the 50-pattern pack (budget {MAX_RATIO:.1}x): \
             pattern matching is scaling with the pack size"
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

/// Scans `log` with `compiled` and compares every pattern's hit count with
/// each regex run alone on each line's text after its timestamp.
fn check_attribution(log: &[u8], pack: &[&str], compiled: &LogPatterns) -> Result<(), String> {
    let digest = scan(log, compiled).map_err(|e| e.to_string())?;
    let regexes: Vec<Regex> = pack.iter().map(|p| Regex::new(p).expect("valid")).collect();
    let text = std::str::from_utf8(log).map_err(|e| e.to_string())?;
    let mut expected = vec![0u64; pack.len()];
    for line in text.lines() {
        let (_, body) = split_timestamp(line);
        for (i, re) in regexes.iter().enumerate() {
            if re.is_match(body) {
                expected[i] += 1;
            }
        }
    }
    for (i, (got, want)) in digest.hit_counts.iter().zip(&expected).enumerate() {
        if got != want {
            return Err(format!("pattern {i} `{}`: {got} hits, brute force {want}", pack[i]));
        }
    }
    if expected.iter().all(|&n| n == 0) {
        return Err("no pattern hit the sample: the generator lost its signature lines".into());
    }
    Ok(())
}

// ---- deterministic generation ------------------------------------------------

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }

    /// True with probability `per_mille` / 1000.
    fn chance(&mut self, per_mille: usize) -> bool {
        self.below(1000) < per_mille
    }

    fn hex(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from(b"0123456789abcdef"[self.below(16)])).collect()
    }
}

const COMPONENTS: &[&str] = &[
    "postgres",
    "postgresql",
    "mysql",
    "mariadb",
    "mongodb",
    "redis",
    "memcached",
    "kafka",
    "zookeeper",
    "rabbitmq",
    "nats",
    "elasticsearch",
    "opensearch",
    "cassandra",
    "etcd",
    "consul",
    "vault",
    "keycloak",
    "minio",
    "dynamodb",
    "sqs",
    "pubsub",
    "spanner",
    "clickhouse",
    "influxdb",
    "prometheus",
    "alertmanager",
    "loki",
    "jaeger",
    "istiod",
    "envoy",
    "coredns",
    "kube-apiserver",
    "admission-webhook",
    "ldap",
    "smtp",
    "hana",
    "oracle",
    "memgraph",
    "temporal",
];

const PHRASES: &[&str] = &[
    "connection reset by peer",
    "broken pipe",
    "handshake failed",
    "authentication failed",
    "quota exceeded",
    "rate limit exceeded",
    "schema mismatch",
    "checksum mismatch",
    "lock wait timeout exceeded",
    "replica not available",
    "shard not allocated",
    "topic not found",
    "consumer group rebalance failed",
    "certificate verify failed",
    "token expired",
    "invalid credentials",
    "pool exhausted",
    "too many connections",
    "disk quota exceeded",
    "request entity too large",
    "circuit breaker open",
    "retries exhausted",
    "write conflict",
    "read timeout",
    "no healthy upstream",
    "migration failed",
    "version mismatch",
    "session expired",
    "leader not available",
    "cluster unreachable",
];

const GO_FILES: &[&str] = &[
    "reflector",
    "controller",
    "leaderelection",
    "server",
    "cacher",
    "round_trippers",
    "event",
    "shared_informer",
    "kubelet",
    "pod_workers",
    "manager",
    "plugins",
    "storage",
    "healthz",
];

const JAVA_PACKAGES: &[&str] = &[
    "org.postgresql.util",
    "com.mysql.cj.jdbc.exceptions",
    "org.apache.kafka.common.errors",
    "redis.clients.jedis.exceptions",
    "io.grpc",
    "java.net",
    "java.sql",
    "javax.net.ssl",
    "org.springframework.dao",
    "org.hibernate.exception",
    "com.zaxxer.hikari.pool",
    "io.lettuce.core",
    "software.amazon.awssdk.core.exception",
    "com.datastax.oss.driver.api.core",
    "org.elasticsearch.client",
];

const RESOURCES: &[&str] = &[
    "orders",
    "payments",
    "users",
    "carts",
    "inventory",
    "shipments",
    "invoices",
    "catalog",
    "search",
    "sessions",
    "accounts",
    "reviews",
];

const PY_MODULES: &[&str] = &[
    "sqlalchemy",
    "psycopg2",
    "requests",
    "urllib3",
    "botocore",
    "kombu",
    "celery",
    "django",
    "aiohttp",
    "grpc",
    "pymongo",
    "redis",
];

/// Patterns in the style of real rule packs, written by hand: anchored and
/// not, `(?i)`, alternations, named captures, `(?x)`, and a few with no
/// literal a match must contain.
const HANDWRITTEN: &[&str] = &[
    r"(?i)\bconnection refused\b",
    r"\b(ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN)\b",
    r"(?i)\bno route to host\b|\bnetwork is unreachable\b",
    r"(?i)\bno such host\b",
    r"(?i)name or service not known|temporary failure in name resolution|could not resolve host",
    r"(?i)\bconnect(ion)? timed? ?out\b|\bi/o timeout\b",
    r"(?i)\b(could not|couldn't|cannot|can't|unable to|failed to) (connect|reach|establish a connection)\b",
    r"^panic: ",
    r"^fatal error: (?P<what>.+)",
    r"runtime error: invalid memory address or nil pointer dereference",
    r"\[signal SIGSEGV: segmentation violation code=0x[0-9a-f]+ addr=0x[0-9a-f]+ pc=0x[0-9a-f]+\]",
    r"^goroutine \d+ \[running\]:",
    r"java\.lang\.OutOfMemoryError: (?P<kind>Java heap space|GC overhead limit exceeded|Metaspace)",
    r#"^Exception in thread "(?P<thread>[^"]+)" (?P<exc>[\w.$]+)"#,
    r"^Caused by: (?P<exc>[\w.$]+(?:Exception|Error))",
    r"^\s+at \S+\(",
    r"^Traceback \(most recent call last\):",
    r"^(?P<exc>[A-Z]\w*(?:Error|Exception)): ",
    r"ModuleNotFoundError: No module named '(?P<module>[\w.]+)'",
    r"(?i)permission denied",
    r"exec format error",
    r#"(?i)exec: "(?P<cmd>[^"]+)": executable file not found in \$PATH"#,
    r"x509: certificate (?:has expired or is not yet valid|signed by unknown authority)",
    r"(?i)\bOOMKilled\b|\bout of memory\b",
    r"Killed process \d+ \((?P<comm>[^)]+)\)",
    r"(?i)too many open files",
    r"(?i)no space left on device",
    r"read-only file system",
    r#"\bFATAL:\s+password authentication failed for user "(?P<user>[^"]+)""#,
    r#"FATAL:\s+database "(?P<db>[^"]+)" does not exist"#,
    r"(?i)sorry, too many clients already",
    r"ORA-\d{5}:",
    r"(?i)deadlock detected",
    r"Access denied for user '(?P<user>[^']*)'@'(?P<host>[^']*)'",
    r"WRONGPASS invalid username-password pair",
    r"(?i)NOAUTH Authentication required",
    r"(?i)\bleader ?election lost\b|\bstopped leading\b",
    r#"(?i)is forbidden: User "(?P<user>[^"]+)" cannot (?P<verb>\w+) resource"#,
    r"\b401 Unauthorized\b|\bUnauthorized\b",
    r"(?i)context deadline exceeded",
    r"\bcode = Unavailable desc = ",
    r"(?i)error: (?:failed to|unable to) (?:load|read|parse) (?:config|configuration)",
    "(?x) missing \\s+ required \\s+ (?: env(?:ironment)? \\s+ variable | config(?:uration)? \\s+ key ) # config errors\n",
    r"(?i)\benv(?:ironment)? variable (?P<name>[A-Z_][A-Z0-9_]*) (?:is )?(?:not set|missing|required)",
    r"nginx: \[emerg\] (?P<msg>.+)",
    r"\[error\] \d+#\d+: \*\d+ (?:connect\(\) failed|upstream timed out)",
    r#"" 50[234] \d+ "#,
    r"(?i)liveness probe failed",
    r"^\d{3}\s",
    r"^[A-Z][A-Z_]{2,}=\S*$",
    r"^\s*\^+\s*$",
    r"(?i)^\s*(?:[a-z_]+\.)+[a-z_]+:\d+\s*$",
    r"^(?:[A-Za-z0-9+/]{4})+={0,2}$",
    r"^\t\.\.\. \d+ (?:more|common frames omitted)",
    r"(?i)^\s*(?:error|fatal|critical)\s*[:|]",
    r"(?i)\bsegmentation fault\b|\bcore dumped\b",
    r"\bSIG(?:SEGV|BUS|ILL|ABRT)\b",
    r"(?i)unhandled(?:promise)? ?rejection",
    r"(?m)^Error: Cannot find module '(?P<module>[^']+)'",
    r"npm ERR! code (?P<code>E[A-Z]+)",
];

/// `n` distinct patterns: the hand-written ones plus families generated from
/// the vocabulary, shuffled, so any prefix has the pack's mix.
fn pattern_pack(n: usize) -> Vec<String> {
    let mut rng = Rng(0x005e_ed0f_9a77_e2d5);
    let mut out: Vec<String> = HANDWRITTEN.iter().map(|p| p.to_string()).collect();
    let mut seen: HashSet<String> = out.iter().cloned().collect();
    let mut family = 0usize;
    while out.len() < n {
        let comp = rng.pick(COMPONENTS);
        let phrase = rng.pick(PHRASES);
        let p = match family % 14 {
            0 => format!(
                r"(?i)\b{comp}\b[^\n]{{0,40}}\bconnect(?:ion)?\b[^\n]{{0,30}}\b(?:failed|refused|lost|timed? ?out)"
            ),
            1 => format!(r"(?i){comp}(?:client)?: {phrase}"),
            2 => format!(r"^[EF]\d{{4}} \d\d:\d\d:\d\d\.\d{{6}}\s+\d+ {}\.go:\d+\] .*{phrase}", rng.pick(GO_FILES)),
            3 => format!(r#""level":"(?:error|fatal|panic)".*"msg":"[^"]*{phrase}"#),
            4 => format!(r"(?P<exc>{}\.\w*Exception): .*{phrase}", rng.pick(JAVA_PACKAGES).replace('.', r"\.")),
            5 => format!(r"\b{comp} (?:health ?check|readiness probe|ping) failed(?:: (?P<reason>.+))?"),
            6 => format!("(?x) {comp} \\s+ (?: error | failure ) \\s* : \\s* (?P<detail>.*) # {comp} errors\n"),
            7 => format!(r#""(?:GET|POST|PUT|DELETE) /api/v\d+/{}[^"]*" 5\d\d \d+"#, rng.pick(RESOURCES)),
            8 => format!(r"(?i)^(?:error|fatal|critical)[:\s]+.*\b{phrase}\b"),
            9 => format!(r#"(?i)\bstatus(?:Code)?[=:]\s*"?{}\b"#, 400 + rng.below(200)),
            10 => format!(r"^\s+at {}\.[\w$]+\.[\w$<>]+\(", rng.pick(JAVA_PACKAGES).replace('.', r"\.")),
            11 => format!(r#"File "[^"]*/site-packages/{}/[^"]*", line \d+, in (?P<func>\w+)"#, rng.pick(PY_MODULES)),
            12 => format!(r"(?i)\b{comp}\b.*\b(?:not ready|unavailable|unhealthy)\b"),
            _ => format!(r"(?i)failed to (?:start|initiali[sz]e) {comp}(?: client)?: (?P<err>{phrase}|.*timeout)"),
        };
        family += 1;
        if seen.insert(p.clone()) {
            out.push(p);
        }
    }
    // Fisher-Yates with the same generator.
    for i in (1..out.len()).rev() {
        let j = rng.below(i + 1);
        out.swap(i, j);
    }
    out.truncate(n);
    out
}

/// Lines that some pattern of the pack is written for.
fn signature_line(rng: &mut Rng) -> String {
    let comp = rng.pick(COMPONENTS);
    let phrase = rng.pick(PHRASES);
    let ip = format!("10.{}.{}.{}", rng.below(256), rng.below(256), rng.below(256));
    match rng.below(16) {
        0 => format!("dial tcp {ip}:5432: connect: connection refused"),
        1 => format!("{comp}: {phrase}"),
        2 => "panic: runtime error: invalid memory address or nil pointer dereference".to_string(),
        3 => "java.lang.OutOfMemoryError: Java heap space".to_string(),
        4 => format!("E0722 08:35:38.525354       1 controller.go:114] sync failed: {phrase}"),
        5 => format!(r#"{{"level":"error","ts":"2024-07-22T08:35:38.525Z","msg":"request failed: {phrase}"}}"#),
        6 => format!("{comp} health check failed: {phrase}"),
        7 => format!("failed to start {comp} client: {phrase}"),
        8 => format!("{comp} error: {phrase}"),
        9 => "FATAL:  password authentication failed for user \"orders\"".to_string(),
        10 => format!("level=error msg=\"{comp} is unavailable\" retry=3"),
        11 => format!("Killed process {} (java) total-vm:8123456kB", 1000 + rng.below(9000)),
        12 => format!("ERROR: {phrase} while talking to {comp}"),
        13 => format!("lookup {comp}.default.svc.cluster.local on 10.96.0.10:53: no such host"),
        14 => "Traceback (most recent call last):".to_string(),
        _ => format!("unable to connect to {comp} at {ip}:6379"),
    }
}

fn clock(rng: &mut Rng, t: &mut u64) -> (u64, u64, u64, u64) {
    *t += rng.below(40_000) as u64;
    let micros = *t % 1_000_000;
    let secs = 8 * 3600 + 35 * 60 + *t / 1_000_000;
    (secs / 3600 % 24, secs / 60 % 60, secs % 60, micros)
}

/// About `bytes` of mixed log text, with rare signature lines.
fn generate_log(bytes: usize) -> Vec<u8> {
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    let mut out = String::with_capacity(bytes + 4096);
    let mut t: u64 = 0;
    while out.len() < bytes {
        let (h, m, s, us) = clock(&mut rng, &mut t);
        let stamp = format!("2024-07-22T{h:02}:{m:02}:{s:02}.{us:06}Z");
        if rng.chance(300) {
            // `kubectl logs --timestamps`
            out.push_str(&format!("2024-07-22T{h:02}:{m:02}:{s:02}.{us:06}123Z "));
        }
        if rng.chance(2) {
            out.push_str(&signature_line(&mut rng));
            out.push('\n');
            continue;
        }
        match rng.below(100) {
            0..=29 => klog_line(&mut rng, &mut out, (h, m, s, us)),
            30..=54 => json_line(&mut rng, &mut out, &stamp),
            55..=74 => app_line(&mut rng, &mut out, &stamp),
            75..=98 => nginx_line(&mut rng, &mut out, (h, m, s)),
            _ => java_trace(&mut rng, &mut out, &stamp),
        }
    }
    out.into_bytes()
}

fn klog_line(rng: &mut Rng, out: &mut String, (h, m, s, us): (u64, u64, u64, u64)) {
    let level = match rng.below(100) {
        0 => 'E',
        1..=4 => 'W',
        _ => 'I',
    };
    let file = rng.pick(GO_FILES);
    let line = 50 + rng.below(900);
    let pod = format!("{}-{}-{}", rng.pick(RESOURCES), rng.hex(9), rng.hex(5));
    let msg = match (level, rng.below(8)) {
        ('E', 0) => "failed to list *v1.Endpoints: Get \"https://10.96.0.1:443/api/v1/endpoints?limit=500\": dial tcp 10.96.0.1:443: i/o timeout".to_string(),
        ('E', _) => format!(
            "\"Error syncing pod, skipping\" err=\"failed to \\\"StartContainer\\\" for \\\"app\\\" with CrashLoopBackOff\" pod=\"default/{pod}\""
        ),
        ('W', _) => {
            format!("\"Failed to update lease\" err=\"etcdserver: request timed out\" lease=\"kube-node-lease/{pod}\"")
        }
        (_, 0) => format!("Watch close - *v1.Pod total {} items received", rng.below(400)),
        (_, 1) => "\"Starting reflector\" type=\"*v1.Node\" resyncPeriod=\"10m0s\"".to_string(),
        (_, 2) => format!("Successfully synced 'default/{pod}'"),
        (_, 3) => format!(
            "\"SyncLoop (PLEG): event for pod\" pod=\"default/{pod}\" event={{ID:{} Type:ContainerStarted}}",
            rng.hex(32)
        ),
        (_, 4) => format!(
            "GET https://10.96.0.1:443/api/v1/namespaces/default/pods/{pod} 200 OK in {} milliseconds",
            rng.below(30)
        ),
        (_, 5) => format!("\"Caches populated\" type=\"*v1.ConfigMap\" reflector=\"object-{pod}\""),
        (_, 6) => format!("attempting to acquire leader lease kube-system/{}...", rng.pick(COMPONENTS)),
        _ => format!("\"Observed a panic in reconciler\" controller=\"{}\" handled=false", rng.pick(RESOURCES)),
    };
    out.push_str(&format!(
        "{level}07{:02} {h:02}:{m:02}:{s:02}.{us:06} {:>7} {file}.go:{line}] {msg}\n",
        22,
        1 + rng.below(30)
    ));
}

fn json_line(rng: &mut Rng, out: &mut String, stamp: &str) {
    let level = match rng.below(100) {
        0 => "error",
        1..=4 => "warn",
        5..=9 => "debug",
        _ => "info",
    };
    let resource = rng.pick(RESOURCES);
    let id = rng.below(100_000);
    let msg = match (level, rng.below(6)) {
        ("error", _) => format!("failed to publish event: {}", rng.pick(PHRASES)),
        ("warn", _) => format!("slow query on {} took {}ms", rng.pick(COMPONENTS), 500 + rng.below(5000)),
        (_, 0) => "request completed".to_string(),
        (_, 1) => format!("connected to {} at 10.0.{}.{}:5432", rng.pick(COMPONENTS), rng.below(256), rng.below(256)),
        (_, 2) => format!("cache miss for {resource}/{id}"),
        (_, 3) => format!("delivered order {id} to customer “Jürgen Müller”, Zürich → étage {}", rng.below(9)),
        (_, 4) => format!("consumer lag {} on partition {}", rng.below(1000), rng.below(12)),
        _ => "health check ok".to_string(),
    };
    let status = [200, 200, 200, 201, 204, 304, 400, 404][rng.below(8)];
    out.push_str(&format!(
        "{{\"level\":\"{level}\",\"ts\":\"{stamp}\",\"caller\":\"{resource}/handler.go:{}\",\"msg\":\"{msg}\",\"method\":\"GET\",\"path\":\"/api/v1/{resource}/{id}\",\"status\":{status},\"duration_ms\":{}.{},\"request_id\":\"{}\"}}\n",
        20 + rng.below(300),
        rng.below(300),
        rng.below(10),
        rng.hex(32)
    ));
}

fn app_line(rng: &mut Rng, out: &mut String, stamp: &str) {
    let resource = rng.pick(RESOURCES);
    match rng.below(4) {
        0 | 1 => {
            let level = if rng.chance(30) { " WARN" } else { " INFO" };
            let msg = match rng.below(4) {
                0 => format!(
                    "Processed order {} for customer {} in {} ms",
                    rng.below(1_000_000),
                    rng.below(50_000),
                    rng.below(400)
                ),
                1 => format!("HikariPool-1 - Connection {} added to pool", rng.hex(8)),
                2 => format!("Completed initialization in {} ms", rng.below(2000)),
                _ => format!("Fetching {resource} page {} of {} … region 東京 ✓", rng.below(50), 50 + rng.below(50)),
            };
            out.push_str(&format!(
                "{stamp}{level} 1 --- [nio-8080-exec-{}] c.e.{resource}.web.{}Controller   : {msg}\n",
                1 + rng.below(10),
                capitalise(resource)
            ));
        }
        2 => {
            let level = ["INFO", "INFO", "INFO", "DEBUG", "WARNING"][rng.below(5)];
            out.push_str(&format!(
                "{} {},{:03} {level} [uvicorn.access] 10.0.{}.{}:{} - \"GET /api/v1/{resource}?limit={} HTTP/1.1\" 200\n",
                &stamp[..10],
                &stamp[11..19],
                rng.below(1000),
                rng.below(256),
                rng.below(256),
                30000 + rng.below(30000),
                rng.below(100)
            ));
        }
        _ => {
            let level = ["info", "info", "info", "debug", "warn"][rng.below(5)];
            out.push_str(&format!(
                "time=\"{stamp}\" level={level} msg=\"reconciled {resource}\" duration={}.{}ms generation={} worker={}\n",
                rng.below(80),
                rng.below(1000),
                rng.below(100),
                rng.below(16)
            ));
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
}

fn nginx_line(rng: &mut Rng, out: &mut String, (h, m, s): (u64, u64, u64)) {
    let status = match rng.below(1000) {
        0..=3 => 502,
        4..=6 => 503,
        7..=40 => 404,
        41..=120 => 304,
        _ => 200,
    };
    let method = ["GET", "GET", "GET", "POST", "PUT", "DELETE"][rng.below(6)];
    let resource = rng.pick(RESOURCES);
    let agent = [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
        "kube-probe/1.30",
        "Go-http-client/1.1",
        "curl/8.5.0",
        "okhttp/4.12.0",
    ][rng.below(5)];
    out.push_str(&format!(
        "10.244.{}.{} - - [22/Jul/2024:{h:02}:{m:02}:{s:02} +0000] \"{method} /api/v1/{resource}/{}?page={} HTTP/1.1\" {status} {} \"-\" \"{agent}\" {} 0.0{} [default-{resource}-8080] [] 10.244.{}.{}:8080 {} 0.0{} {status} {}\n",
        rng.below(256),
        rng.below(256),
        rng.below(100_000),
        rng.below(20),
        rng.below(20_000),
        300 + rng.below(900),
        rng.below(99),
        rng.below(256),
        rng.below(256),
        rng.below(20_000),
        rng.below(99),
        rng.hex(32)
    ));
}

fn java_trace(rng: &mut Rng, out: &mut String, stamp: &str) {
    let resource = rng.pick(RESOURCES);
    let (exc, msg) = [
        (
            "org.springframework.web.client.ResourceAccessException",
            "I/O error on GET request for \"http://inventory:8080/stock\"",
        ),
        ("java.lang.IllegalStateException", "Order is already closed"),
        (
            "com.fasterxml.jackson.databind.exc.MismatchedInputException",
            "Cannot deserialize value of type `java.util.ArrayList`",
        ),
        ("org.springframework.dao.DataIntegrityViolationException", "could not execute statement"),
    ][rng.below(4)];
    out.push_str(&format!(
        "{stamp} WARN 1 --- [nio-8080-exec-{}] c.e.{resource}.web.ErrorHandler : Request failed\n{exc}: {msg}\n",
        1 + rng.below(10)
    ));
    let frames = [
        "org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1014)",
        "org.springframework.web.servlet.DispatcherServlet.doDispatch(DispatcherServlet.java:1089)",
        "org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:166)",
        "org.apache.tomcat.util.net.NioEndpoint$SocketProcessor.doRun(NioEndpoint.java:1791)",
        "java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1144)",
        "java.base/java.lang.Thread.run(Thread.java:1583)",
        "com.fasterxml.jackson.databind.deser.BeanDeserializer.deserialize(BeanDeserializer.java:177)",
        "io.micrometer.observation.Observation.observe(Observation.java:499)",
    ];
    for _ in 0..(6 + rng.below(20)) {
        out.push_str(&format!("\tat {}\n", frames[rng.below(frames.len())]));
    }
    if rng.chance(400) {
        out.push_str(&format!(
            "Caused by: java.net.SocketTimeoutException: Read timed out\n\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:278)\n\t... {} more\n",
            10 + rng.below(60)
        ));
    }
}
