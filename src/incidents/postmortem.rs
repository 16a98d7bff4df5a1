//! The postmortem skeleton: impact, detection, root cause, trigger,
//! resolution and action items, drafted from the incidents.
