//! ## What it detects
//! Pods evicted because their node ran out of disk, and nodes under
//! `DiskPressure`: eviction messages `The node was low on resource:
//! ephemeral-storage` (also used, misleadingly, for imagefs), `nodefs`,
//! `The node had condition: [DiskPressure].`, a container exceeding its
//! ephemeral-storage limit; node events `EvictionThresholdMet`,
//! `FreeDiskSpaceFailed`, `ImageGCFailed`; the node's `DiskPressure`
//! condition at snapshot time. The logic is shared with
//! `node-memory-pressure` (see `node_memory_pressure.rs`).
//!
//! ## Why it matters
//! Disk pressure evicts pods that did nothing wrong and blocks new ones from
//! the node; the culprit is often a log-heavy pod, unpruned images or an
//! emptyDir growing without a limit, elsewhere on the node.
//!
//! ## Evidence
//! The eviction message or `Evicted` event naming ephemeral-storage /
//! imagefs / nodefs / DiskPressure; the node's `DiskPressure` condition and
//! its image-GC and eviction events.
//!
//! ## Fix
//! Free the disk (prune images, rotate container logs, bound emptyDir with
//! `sizeLimit`), set `ephemeral-storage` requests and limits on pods that
//! write locally, and give the node a larger disk or image filesystem.
//!
//! ## References
//! - https://github.com/caoyingjunz/go-learning/issues/55 (`low on resource: ephemeral-storage` eviction event)
//! - https://github.com/kubernetes/kubernetes/issues/111553 (imagefs eviction reported as ephemeral-storage)
//! - https://github.com/rancher/rancher/issues/29604 (`The node had condition: [DiskPressure].`)
