//! Signature rules: a cause proven by patterns, written as data.
//!
//! A signature rule is a YAML document (see `rules/signatures/*.yaml`, which
//! are embedded in the binary and double as examples for user rule packs).
//! It fires on a subject when at least one `match` item holds and every
//! `require` gate holds; each item that holds becomes a piece of evidence.
//! Log patterns of all rules are compiled into one `LogPatterns` so every log
//! is scanned once, whatever the number of rules.

use super::{
    Ctx, Diagnosis, Evidence, EvidenceKind, Remediation, Rule, RuleInfo, RuleOrigin, Strength, SubjectKind, shell,
};
use regex::Regex;
use serde::{Deserialize, Serialize};

/// How the name of a command template ends (`remediation[0].command`):
/// the formatter quotes what these print.
const COMMAND: &str = ".command";

/// The built-in signature rules, in a fixed order.
const BUILTIN: &[(&str, &str)] = &[
    ("command-not-found.yaml", include_str!("signatures/command-not-found.yaml")),
    ("dependency-unreachable.yaml", include_str!("signatures/dependency-unreachable.yaml")),
    ("image-pull.yaml", include_str!("signatures/image-pull.yaml")),
    ("liveness-probe-failure.yaml", include_str!("signatures/liveness-probe-failure.yaml")),
    ("startup-probe-failure.yaml", include_str!("signatures/startup-probe-failure.yaml")),
    ("api-server-unreachable.yaml", include_str!("signatures/api-server-unreachable.yaml")),
    ("dns-loop.yaml", include_str!("signatures/dns-loop.yaml")),
    ("rbac-forbidden.yaml", include_str!("signatures/rbac-forbidden.yaml")),
    ("exec-format-error.yaml", include_str!("signatures/exec-format-error.yaml")),
    ("segfault.yaml", include_str!("signatures/segfault.yaml")),
    ("missing-env-or-config.yaml", include_str!("signatures/missing-env-or-config.yaml")),
    ("unschedulable.yaml", include_str!("signatures/unschedulable.yaml")),
    ("volume-mount-failure.yaml", include_str!("signatures/volume-mount-failure.yaml")),
    ("dns-upstream-unreachable.yaml", include_str!("signatures/dns-upstream-unreachable.yaml")),
    ("cni-ip-exhaustion.yaml", include_str!("signatures/cni-ip-exhaustion.yaml")),
    ("cni-ip-exhaustion-ipamd.yaml", include_str!("signatures/cni-ip-exhaustion-ipamd.yaml")),
    ("cni-permissions.yaml", include_str!("signatures/cni-permissions.yaml")),
    ("calico-failure.yaml", include_str!("signatures/calico-failure.yaml")),
    ("ingress-controller-config.yaml", include_str!("signatures/ingress-controller-config.yaml")),
    ("cloud-permissions.yaml", include_str!("signatures/cloud-permissions.yaml")),
];

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureSpec {
    pub id: String,
    pub cause: String,
    /// One line for `podmortem rules`; defaults to the id.
    #[serde(default)]
    pub summary: String,
    /// Which subjects the rule looks at: `crash-loop` (the default),
    /// `blocked`, `running` (healthy-looking containers, for platform
    /// components), `any`; one or a list.
    #[serde(default = "crash_loop_only", deserialize_with = "one_or_many")]
    pub subjects: Vec<SubjectFilter>,
    /// Only containers of this component (all when absent).
    #[serde(default)]
    pub component: ComponentSpec,
    /// Which healthy-looking containers a `running` rule watches, when they
    /// differ from `component` (a rule about blocked workload pods of any
    /// kind that also reads the CNI agent's own log). A `running` rule needs
    /// `watch` or `component`: no rule watches every container.
    #[serde(default)]
    pub watch: ComponentSpec,
    /// Overrides the severity the report derives from the state.
    #[serde(default)]
    pub severity: Option<crate::report::Severity>,
    #[serde(default = "proven")]
    pub strength: Strength,
    /// Causes this one explains more specifically: dropped for the subject
    /// when this rule fires (`api-server-unreachable` supersedes
    /// `dependency-unreachable`: the API server is the dependency).
    #[serde(default)]
    pub supersedes: Vec<String>,
    #[serde(rename = "match")]
    pub match_: MatchSpec,
    #[serde(default)]
    pub require: RequireSpec,
    /// minijinja template; variables: namespace, pod, container, init,
    /// workload, workload_kind, workload_ref, image, exit_code, restarts,
    /// reason, waiting_reason, active, match, and the named groups of the
    /// first pattern that matched.
    pub title: String,
    #[serde(default)]
    pub explanation: String,
    #[serde(default)]
    pub remediation: Vec<RemediationSpec>,
    /// Markdown: What it detects / Why it matters / Evidence / Fix / References.
    /// Required of built-in rules; optional in a user's rule pack.
    #[serde(default)]
    pub doc: String,
}

fn proven() -> Strength {
    Strength::Proven
}

fn crash_loop_only() -> Vec<SubjectFilter> {
    vec![SubjectFilter::CrashLoop]
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SubjectFilter {
    CrashLoop,
    Blocked,
    Running,
    Any,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<SubjectFilter>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(SubjectFilter),
        Many(Vec<SubjectFilter>),
    }
    match OneOrMany::deserialize(deserializer) {
        Ok(OneOrMany::One(one)) => Ok(vec![one]),
        Ok(OneOrMany::Many(many)) => Ok(many),
        Err(_) => {
            Err(serde::de::Error::custom("subjects: expected crash-loop, blocked, running or any, or a list of them"))
        }
    }
}

/// Which containers a rule is about. Every field given must hold; within
/// a field, one item matching is enough.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ComponentSpec {
    /// Namespace names, exactly.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Label key/value pairs of the pod, exactly; one pair present is enough.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub labels: std::collections::BTreeMap<String, String>,
    /// Regexes over the container image.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    /// Regexes over the container name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<String>,
}

impl ComponentSpec {
    fn is_empty(&self) -> bool {
        self.namespaces.is_empty() && self.labels.is_empty() && self.images.is_empty() && self.containers.is_empty()
    }
}

struct Component {
    namespaces: Vec<String>,
    labels: Vec<(String, String)>,
    images: Vec<Regex>,
    containers: Vec<Regex>,
}

impl Component {
    fn matches(&self, pod: &crate::model::Pod, container: &crate::model::Container) -> bool {
        (self.namespaces.is_empty() || self.namespaces.contains(&pod.namespace))
            && (self.labels.is_empty() || self.labels.iter().any(|(k, v)| pod.labels.get(k) == Some(v)))
            && (self.images.is_empty() || self.images.iter().any(|r| r.is_match(&container.image)))
            && (self.containers.is_empty() || self.containers.iter().any(|r| r.is_match(&container.name)))
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatchSpec {
    pub exit_codes: Vec<i64>,
    pub termination_reasons: Vec<String>,
    pub waiting_reasons: Vec<String>,
    /// Regexes over the termination and waiting messages, the pod's status
    /// message (evictions) and the pod's event messages.
    pub messages: Vec<String>,
    /// Event reasons quoted as evidence whatever their message
    /// (`FailedMount`, `FailedScheduling`).
    pub event_reasons: Vec<String>,
    /// Regexes over the crashed instance's log.
    pub logs: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RequireSpec {
    /// The last exit code must not be one of these.
    pub exit_codes_not: Vec<i64>,
    /// For blocked subjects: why the container is blocked must be one of
    /// these (`Unschedulable`, `ContainerCreating`, `Evicted`, or a waiting
    /// reason such as `ImagePullBackOff`).
    pub blocked_reasons: Vec<String>,
    /// At least one of these regexes must match a termination or waiting
    /// message or one of the pod's events: the proof, where `match` items
    /// alone would only be context (an `Unhealthy` line is not a kill).
    pub messages: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RemediationSpec {
    pub description: String,
    #[serde(default)]
    pub command: Option<String>,
    #[serde(default)]
    pub mutates: bool,
}

pub struct SignatureRule {
    watch: Component,
    spec: SignatureSpec,
    /// The YAML the rule was read from, comments included (`rules --show`).
    source: String,
    info: RuleInfo,
    component: Component,
    messages: Vec<Regex>,
    required: Vec<Regex>,
    /// Compiled again here (the shared pass only says which line matched)
    /// to read named captures for the templates.
    logs: Vec<Regex>,
    /// Index of this rule's first pattern in the shared `LogPatterns`.
    log_offset: usize,
    templates: minijinja::Environment<'static>,
}

/// A rule file that cannot be used, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

impl SignatureRule {
    /// Parses and compiles one rule. `log_offset` is where its log patterns
    /// start in the shared pattern list.
    pub fn parse(file: &str, text: &str, log_offset: usize) -> Result<SignatureRule, SignatureError> {
        let spec: SignatureSpec = serde_yaml::from_str(text)
            .map_err(|e| SignatureError::Invalid { file: file.to_string(), message: e.to_string() })?;
        SignatureRule::from_spec(file, spec, text.to_string(), log_offset, RuleOrigin::BuiltinSignature)
    }

    /// Compiles a parsed rule; `source` is its YAML text.
    pub fn from_spec(
        file: &str,
        spec: SignatureSpec,
        source: String,
        log_offset: usize,
        origin: RuleOrigin,
    ) -> Result<SignatureRule, SignatureError> {
        let invalid = |message: String| SignatureError::Invalid { file: file.to_string(), message };
        let compile = |section: &str, patterns: &[String]| {
            patterns
                .iter()
                .map(|p| Regex::new(p).map_err(|e| invalid(format!("{section}: {e}"))))
                .collect::<Result<Vec<_>, _>>()
        };
        let messages = compile("match.messages", &spec.match_.messages)?;
        let required = compile("require.messages", &spec.require.messages)?;
        let logs = compile("match.logs", &spec.match_.logs)?;
        let filter = |section: &str, spec: &ComponentSpec| -> Result<Component, SignatureError> {
            Ok(Component {
                namespaces: spec.namespaces.clone(),
                labels: spec.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                images: compile(&format!("{section}.images"), &spec.images)?,
                containers: compile(&format!("{section}.containers"), &spec.containers)?,
            })
        };
        let component = filter("component", &spec.component)?;
        let watch = filter("watch", &spec.watch)?;
        // `any` watches running containers only when a filter says which.
        let watches_running = spec.subjects.contains(&SubjectFilter::Running);
        if watches_running && spec.watch.is_empty() && spec.component.is_empty() {
            return Err(invalid(
                "subjects: a rule that looks at running containers needs `watch:` or `component:` (namespaces, labels, images or containers), or it would read every container's log".into(),
            ));
        }
        let mut templates = minijinja::Environment::new();
        // SemiStrict: `{% if executable %}` works when a capture did not match,
        // while printing a misspelt variable is still an error.
        templates.set_undefined_behavior(minijinja::UndefinedBehavior::SemiStrict);
        // Every value printed into a command is quoted for the shell, by
        // where it lands (`render_command`): a rule cannot forget it. Titles
        // and descriptions print values as they are.
        templates.set_formatter(|out, state, value| {
            if !state.name().ends_with(COMMAND) || value.is_undefined() {
                return minijinja::escape_formatter(out, state, value);
            }
            out.write_str(&shell::mark(&value.to_string())).map_err(minijinja::Error::from)
        });
        // For a shell inside the command (`sh -c 'command -v {{ x | sh }}'`),
        // which `render_command` cannot see: quoted once for the inner shell,
        // then for the outer one where it lands.
        templates.add_filter("sh", |value: String| shell::shell_word(&value).into_owned());
        let mut add = |name: String, source: &str| {
            templates.add_template_owned(name.clone(), source.to_string()).map_err(|e| invalid(format!("{name}: {e}")))
        };
        add("title".into(), &spec.title)?;
        add("explanation".into(), &spec.explanation)?;
        for (i, r) in spec.remediation.iter().enumerate() {
            add(format!("remediation[{i}].description"), &r.description)?;
            if let Some(c) = &r.command {
                add(format!("remediation[{i}]{COMMAND}"), c)?;
            }
        }
        let info = RuleInfo {
            id: spec.id.clone(),
            cause: spec.cause.clone(),
            summary: if spec.summary.is_empty() { spec.id.clone() } else { spec.summary.clone() },
            doc: spec.doc.trim().to_string(),
            origin,
        };
        Ok(SignatureRule { watch, spec, source, info, component, messages, required, logs, log_offset, templates })
    }

    /// Whether this rule looks at `container` although it is not failing.
    pub fn watches(&self, pod: &crate::model::Pod, container: &crate::model::Container) -> bool {
        self.spec.subjects.iter().any(|s| matches!(s, SubjectFilter::Running | SubjectFilter::Any))
            && self.watch_filter().is_some_and(|(_, filter)| filter.matches(pod, container))
    }

    /// The filter of watched containers: `watch`, else `component`.
    fn watch_filter(&self) -> Option<(&ComponentSpec, &Component)> {
        if !self.spec.watch.is_empty() {
            Some((&self.spec.watch, &self.watch))
        } else if !self.spec.component.is_empty() {
            Some((&self.spec.component, &self.component))
        } else {
            None
        }
    }

    fn applies_to(&self, subject: &super::Subject) -> bool {
        let kind_ok = self.spec.subjects.iter().any(|f| {
            matches!(
                (f, &subject.kind),
                (SubjectFilter::Any, _)
                    | (SubjectFilter::CrashLoop, SubjectKind::CrashLoop)
                    | (SubjectFilter::Blocked, SubjectKind::Blocked { .. })
                    | (SubjectFilter::Running, SubjectKind::Running)
            )
        });
        if !kind_ok {
            return false;
        }
        match subject.kind {
            SubjectKind::Running => {
                self.watch_filter().is_some_and(|(_, filter)| filter.matches(subject.pod, subject.container))
            }
            _ => self.spec.component.is_empty() || self.component.matches(subject.pod, subject.container),
        }
    }

    pub fn log_patterns(&self) -> &[String] {
        &self.spec.match_.logs
    }

    /// The rule as written, comments included.
    pub fn source_yaml(&self) -> &str {
        &self.source
    }

    fn proof_present(&self, subject: &super::Subject, ctx: &Ctx) -> bool {
        let hit = |text: &str| self.required.iter().any(|r| r.is_match(text));
        let termination = subject.last_termination().is_some_and(|t| hit(&t.message));
        let waiting = matches!(&subject.status.state, crate::model::State::Waiting { message, .. } if hit(message));
        termination
            || waiting
            || hit(&subject.pod.message)
            || subject.pod.conditions.iter().any(|c| c.status != "True" && hit(&c.message))
            || ctx.events_for(subject).any(|e| hit(&e.message))
    }

    fn render(&self, name: &str, vars: &minijinja::Value) -> String {
        self.templates
            .get_template(name)
            .and_then(|t| t.render(vars))
            .unwrap_or_else(|e| format!("(template {name} failed: {e})"))
    }

    /// The command of remediation step `i`, each value quoted for the
    /// shell where it landed.
    fn render_command(&self, i: usize, vars: &minijinja::Value) -> String {
        shell::fill_marked(&self.render(&format!("remediation[{i}]{COMMAND}"), vars))
    }
}

/// The built-in signature rules; log pattern offsets start at `log_offset`.
pub fn builtin(log_offset: usize) -> Vec<SignatureRule> {
    let mut offset = log_offset;
    let mut rules = Vec::new();
    for (file, text) in BUILTIN {
        // Built-in rules are tested (tests::builtin_rules_compile); a broken
        // one is a build defect, reported rather than panicking.
        match SignatureRule::parse(file, text, offset) {
            Ok(rule) => {
                offset += rule.log_patterns().len();
                rules.push(rule);
            }
            Err(e) => eprintln!("podmortem: internal rule skipped: {e}"),
        }
    }
    rules
}

impl Rule for SignatureRule {
    fn info(&self) -> &RuleInfo {
        &self.info
    }

    fn watches(&self, pod: &crate::model::Pod, container: &crate::model::Container) -> bool {
        SignatureRule::watches(self, pod, container)
    }

    fn source(&self) -> Option<&str> {
        Some(self.source_yaml())
    }

    fn diagnose(&self, index: usize, ctx: &Ctx) -> Vec<Diagnosis> {
        let subject = &ctx.subjects[index];
        if !self.applies_to(subject) {
            return Vec::new();
        }
        let exit_code = subject.last_exit_code();
        if exit_code.is_some_and(|c| self.spec.require.exit_codes_not.contains(&c)) {
            return Vec::new();
        }
        if !self.spec.require.blocked_reasons.is_empty() {
            let reason_ok = matches!(&subject.kind, SubjectKind::Blocked { reason }
                if self.spec.require.blocked_reasons.contains(reason));
            if !reason_ok {
                return Vec::new();
            }
        }
        if !self.required.is_empty() && !self.proof_present(subject, ctx) {
            return Vec::new();
        }
        let m = &self.spec.match_;
        let mut evidence: Vec<Evidence> = Vec::new();
        // Named groups of the first pattern that matched, for the templates
        // (`exec: "(?P<executable>[^"]+)"` → `{{ executable }}`).
        let mut captures: Vec<(String, String)> = Vec::new();
        let mut capture = |regexes: &[Regex], text: &str| {
            if !captures.is_empty() {
                return;
            }
            for re in regexes {
                if let Some(found) = re.captures(text) {
                    for name in re.capture_names().flatten() {
                        if let Some(value) = found.name(name) {
                            captures.push((name.to_string(), value.as_str().to_string()));
                        }
                    }
                    if !captures.is_empty() {
                        return;
                    }
                }
            }
        };
        let status_base = subject.container.status_path().unwrap_or_default();

        // Log lines first: the quote a reader recognises.
        if !m.logs.is_empty() {
            if let Some(log) = ctx.crash_log(index) {
                let range = self.log_offset..self.log_offset + m.logs.len();
                // Lines the scanner judged decisive (error level, crash lines)
                // first, then the hit nearest the end of the log, the one
                // closest to the exit: a stack's trailing `code: 'ECONNREFUSED'`
                // must not be quoted instead of the error line above it.
                let decisive: std::collections::BTreeSet<u64> =
                    log.digest.decisive(usize::MAX).iter().map(|l| l.number).collect();
                let mut hits: Vec<_> = log.digest.hits.iter().filter(|h| range.contains(&h.pattern)).collect();
                hits.sort_by_key(|h| (!decisive.contains(&h.line.number), std::cmp::Reverse(h.line.number)));
                let mut seen = std::collections::BTreeSet::new();
                hits.retain(|h| seen.insert(h.line.number));
                for hit in hits.into_iter().take(3) {
                    capture(&self.logs[hit.pattern - self.log_offset..=hit.pattern - self.log_offset], &hit.line.text);
                    evidence.push(ctx.log_evidence(log, &hit.line));
                }
            }
        }
        let termination = subject.last_termination();
        // `terminationMessagePolicy: FallbackToLogsOnError` (and many
        // programs writing /dev/termination-log) put the log's last words in
        // the termination message: when no log line matched, or no log was
        // collected, the log patterns are tried there.
        // Evidence quoting the termination message when one of `regexes` matches it.
        let mut termination_match = |regexes: &[Regex], evidence: &mut Vec<Evidence>| {
            if let (Some(t), Some(path)) = (termination, subject.termination_path()) {
                if regexes.iter().any(|r| r.is_match(&t.message)) {
                    capture(regexes, &t.message);
                    evidence.push(ctx.status_evidence(
                        subject.pod,
                        EvidenceKind::Status,
                        format!("{path}.message"),
                        format!("exitCode: {}, reason: {}, message: {}", t.exit_code, t.reason, t.message),
                        t.finished_at,
                    ));
                }
            }
        };
        if evidence.is_empty() {
            termination_match(&self.logs, &mut evidence);
        }
        let waiting = match &subject.status.state {
            crate::model::State::Waiting { reason, message } => Some((reason.as_str(), message.as_str())),
            _ => None,
        };
        termination_match(&self.messages, &mut evidence);
        if !self.messages.is_empty() {
            if let Some((reason, message)) = waiting {
                if self.messages.iter().any(|r| r.is_match(message)) {
                    capture(&self.messages, message);
                    evidence.push(ctx.status_evidence(
                        subject.pod,
                        EvidenceKind::Status,
                        format!("{status_base}.state.waiting.message"),
                        format!("reason: {reason}, message: {message}"),
                        None,
                    ));
                }
            }
            if self.messages.iter().any(|r| r.is_match(&subject.pod.message)) {
                capture(&self.messages, &subject.pod.message);
                evidence.push(ctx.status_evidence(
                    subject.pod,
                    EvidenceKind::Status,
                    "status.message".into(),
                    format!("reason: {}, message: {}", subject.pod.reason, subject.pod.message),
                    None,
                ));
            }
        }
        // A condition that is not met says why in its message (PodScheduled
        // False: the scheduler's last word, kept after its events expired).
        if !self.messages.is_empty() {
            for (i, c) in subject.pod.conditions.iter().enumerate() {
                if c.status != "True" && self.messages.iter().any(|r| r.is_match(&c.message)) {
                    capture(&self.messages, &c.message);
                    evidence.push(ctx.status_evidence(
                        subject.pod,
                        EvidenceKind::Status,
                        format!("status.conditions[{i}]"),
                        format!("{}: {}, reason: {}, message: {}", c.type_, c.status, c.reason, c.message),
                        c.last_transition_time,
                    ));
                }
            }
        }
        if !self.messages.is_empty() || !m.event_reasons.is_empty() {
            let mut events: Vec<_> = ctx
                .events_for(subject)
                .filter(|e| {
                    self.messages.iter().any(|r| r.is_match(&e.message))
                        || m.event_reasons.iter().any(|r| *r == e.reason)
                })
                .collect();
            // The proof (a `require` match, such as the Killing event) first,
            // then the most recent context.
            let proves = |e: &crate::model::Event| self.required.iter().any(|r| r.is_match(&e.message));
            events.sort_by_key(|e| (!proves(e), std::cmp::Reverse(e.last_seen)));
            for e in events.into_iter().take(3) {
                capture(&self.messages, &e.message);
                evidence.push(ctx.event_evidence(e));
            }
        }
        if let Some((reason, message)) = waiting {
            if m.waiting_reasons.iter().any(|r| r == reason)
                && !evidence.iter().any(|e| e.path.as_deref().is_some_and(|p| p.ends_with("state.waiting.message")))
            {
                let text = if message.is_empty() {
                    format!("reason: {reason}")
                } else {
                    format!("reason: {reason}, message: {message}")
                };
                evidence.push(ctx.status_evidence(
                    subject.pod,
                    EvidenceKind::Status,
                    format!("{status_base}.state.waiting"),
                    text,
                    None,
                ));
            }
        }
        if let (Some(t), Some(path)) = (termination, subject.termination_path()) {
            let by_reason = m.termination_reasons.iter().any(|r| r == &t.reason);
            let by_code = m.exit_codes.contains(&t.exit_code);
            let already = evidence.iter().any(|e| e.path.as_deref().is_some_and(|p| p.starts_with(&path)));
            if (by_reason || by_code) && !already {
                evidence.push(ctx.status_evidence(
                    subject.pod,
                    EvidenceKind::Status,
                    path,
                    format!("exitCode: {}, reason: {}", t.exit_code, t.reason),
                    t.finished_at,
                ));
            }
        }
        if evidence.is_empty() {
            return Vec::new();
        }
        mark_matches(&mut evidence, &self.logs, &self.messages);
        let base = template_vars(subject, ctx, evidence.first().map(|e| e.text.as_str()).unwrap_or(""));
        // Captures first: on a name clash the subject's own variables win.
        let vars =
            minijinja::Value::from_iter(captures.into_iter().map(|(k, v)| (k, minijinja::Value::from(v))).chain(
                base.try_iter().into_iter().flatten().map(|key| {
                    let value = base.get_item(&key).unwrap_or_default();
                    (key.to_string(), value)
                }),
            ));
        let remediation = self
            .spec
            .remediation
            .iter()
            .enumerate()
            .map(|(i, r)| Remediation {
                description: self.render(&format!("remediation[{i}].description"), &vars),
                command: r.command.as_ref().map(|_| self.render_command(i, &vars)),
                mutates: r.mutates,
            })
            .collect();
        vec![Diagnosis {
            strength: self.spec.strength,
            title: self.render("title", &vars),
            explanation: if self.spec.explanation.is_empty() {
                format!("Rule {} matched: {}", self.spec.id, evidence.first().map(|e| e.text.as_str()).unwrap_or(""))
            } else {
                self.render("explanation", &vars)
            },
            evidence,
            remediation,
            severity: self.spec.severity,
            supersedes: self.spec.supersedes.clone(),
            ..Diagnosis::of(&self.info, super::SubjectRef::Container(index))
        }]
    }
}

/// The names a title or command template can use.
pub fn template_vars(subject: &super::Subject, ctx: &Ctx, matched: &str) -> minijinja::Value {
    let t = subject.last_termination();
    let waiting_reason = subject.status.state.waiting_reason().unwrap_or("");
    let short: String = matched.chars().take(200).collect();
    let _ = ctx;
    minijinja::context! {
        namespace => subject.pod.namespace,
        pod => subject.pod.name,
        container => subject.container.name,
        init => subject.container.init,
        workload => subject.workload.name,
        workload_kind => subject.workload.kind,
        node => subject.pod.node,
        workload_ref => format!("{}/{}", subject.workload.kind.to_lowercase(), subject.workload.name),
        image => subject.container.image,
        exit_code => t.map(|t| t.exit_code),
        reason => t.map(|t| t.reason.clone()).filter(|r| !r.is_empty()).unwrap_or_else(|| waiting_reason.to_string()),
        waiting_reason => waiting_reason,
        blocked_reason => match &subject.kind {
            super::SubjectKind::Blocked { reason } => reason.as_str(),
            _ => "",
        },
        restarts => subject.status.restart_count,
        active => subject.state == super::FindingState::Active,
        match => short,
    }
}

/// Sets each evidence item's `highlight` to the part of its text the rule
/// matched, so the report can show the reader which words proved it. Log
/// lines were matched by the log patterns; status fields and events by the
/// message patterns (and, for a termination message, by either).
fn mark_matches(evidence: &mut [Evidence], logs: &[Regex], messages: &[Regex]) {
    for e in evidence.iter_mut().filter(|e| e.highlight.is_none()) {
        let found = match e.kind {
            EvidenceKind::Log => logs.iter().find_map(|r| r.find(&e.text)),
            _ => messages.iter().chain(logs).find_map(|r| r.find(&e.text)),
        };
        e.highlight = found.filter(|m| !m.as_str().trim().is_empty()).map(|m| m.as_str().to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_compile() {
        let mut offset = 0;
        for (file, text) in BUILTIN {
            let rule = SignatureRule::parse(file, text, offset).unwrap_or_else(|e| panic!("{e}"));
            offset += rule.log_patterns().len();
            for section in ["## What it detects", "## Why it matters", "## Evidence", "## Fix", "## References"] {
                assert!(rule.info.doc.contains(section), "{file}: doc lacks {section}");
            }
        }
    }

    /// Every command of every built-in rule, in the branches its captures
    /// choose, rendered with plain names and with names ending in shell
    /// syntax: the shell must read the same words and the same syntax in
    /// both, the hostile names whole inside the words the plain ones were.
    #[test]
    fn every_command_template_quotes_what_it_prints() {
        const PAYLOAD: &str = "';\"$(touch pwned)`id`|&<x>*?[~!{a,b} #\\\nz";
        /// The words, payload taken out, and the syntax outside quotes. The
        /// one script word of the built-in commands (`sh -c 'command -v …'`)
        /// is read as the shell it is given to reads it.
        fn read(command: &str, depth: usize) -> (Vec<String>, Option<String>) {
            let words = shlex::split(command).unwrap_or_else(|| panic!("cannot split {command:?}"));
            let words = words
                .iter()
                .map(|w| match depth {
                    0 if w.starts_with("command -v ") => format!("{:?}", read(w, 1)),
                    _ => w.replace(PAYLOAD, ""),
                })
                .collect();
            (words, shell::live_syntax(command))
        }
        let vars = |rule: &SignatureRule, captured: bool, suffix: &str| {
            let mut vars: std::collections::BTreeMap<String, minijinja::Value> = Default::default();
            for name in ["namespace", "pod", "container", "workload", "node", "image"] {
                vars.insert(name.into(), format!("{name}-1{suffix}").into());
            }
            vars.insert("workload_ref".into(), format!("deployment/workload-1{suffix}").into());
            vars.insert("workload_kind".into(), "Deployment".into());
            vars.insert("init".into(), false.into());
            vars.insert("exit_code".into(), 1.into());
            vars.insert("reason".into(), "Error".into());
            vars.insert("waiting_reason".into(), "CrashLoopBackOff".into());
            vars.insert("blocked_reason".into(), "".into());
            vars.insert("restarts".into(), 4.into());
            vars.insert("active".into(), true.into());
            vars.insert("match".into(), "matched".into());
            if captured {
                for re in rule.logs.iter().chain(&rule.messages) {
                    for name in re.capture_names().flatten() {
                        vars.insert(name.into(), format!("{name}-1{suffix}").into());
                    }
                }
            }
            minijinja::Value::from(vars)
        };
        let mut hostile_commands = 0;
        for (file, text) in BUILTIN {
            let rule = SignatureRule::parse(file, text, 0).unwrap_or_else(|e| panic!("{e}"));
            for (i, _) in rule.spec.remediation.iter().enumerate().filter(|(_, r)| r.command.is_some()) {
                for captured in [false, true] {
                    let plain = rule.render_command(i, &vars(&rule, captured, ""));
                    let hostile = rule.render_command(i, &vars(&rule, captured, PAYLOAD));
                    assert_eq!(read(&hostile, 0), read(&plain, 0), "{file} remediation[{i}]:\n{plain}\n{hostile:?}");
                    hostile_commands += usize::from(hostile.contains("touch pwned"));
                }
            }
        }
        assert!(hostile_commands > 100, "only {hostile_commands} commands print a name");
    }

    #[test]
    fn optional_captures_render_when_absent() {
        let text = "id: x\ncause: custom/x\nsummary: s\nmatch: {exit_codes: [3]}\ntitle: 'ran{% if executable %} {{ executable }}{% endif %}'\nexplanation: e\ndoc: d\n";
        let rule = SignatureRule::parse("x.yaml", text, 0).expect("parses");
        assert_eq!(rule.render("title", &minijinja::context! { namespace => "ns" }), "ran");
        assert_eq!(rule.render("title", &minijinja::context! { executable => "sh" }), "ran sh");
    }

    #[test]
    fn rejects_unknown_fields_and_bad_regexes() {
        let bad = "id: x\ncause: custom/x\nsummary: s\nmatch: {logs: ['(']}\ntitle: t\nexplanation: e\ndoc: d\n";
        let err = SignatureRule::parse("bad.yaml", bad, 0).err().expect("bad regex");
        assert!(err.to_string().contains("bad.yaml: match.logs"), "{err}");
        let unknown = "id: x\ncause: x\nsummary: s\nmatch: {}\ntitle: t\nexplanation: e\ndoc: d\npriority: high\n";
        let err = SignatureRule::parse("u.yaml", unknown, 0).err().expect("unknown field");
        assert!(err.to_string().contains("unknown field `priority`"), "{err}");
    }
}
