//! Keeping only what checks read, so memory stays bounded on large clusters.
//!
//! `managedFields` is dropped for every object in [`Object::from_value`]
//! (crate::inventory::Object::from_value). Here, before that: the
//! `last-applied-configuration` annotation (a second copy of the object) on every kind, and
//! a Pod's `status` apart from `phase` (container statuses, conditions and IPs are the bulk
//! of a running Pod and no check reads them).

use serde_json::Value;

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Drops the parts of a listed object that no check reads.
pub fn trim(kind: &str, value: &mut Value) {
    if let Some(ann) = value
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        ann.remove(LAST_APPLIED);
    }
    if kind == "Pod" {
        if let Some(status) = value.get_mut("status").and_then(Value::as_object_mut) {
            status.retain(|k, _| k == "phase");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pods_keep_spec_and_phase() {
        let mut pod = json!({
            "metadata": {"name": "p", "annotations": {LAST_APPLIED: "{}", "a": "b"}},
            "spec": {"containers": [{"name": "c"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "c"}]}
        });
        trim("Pod", &mut pod);
        assert_eq!(
            pod,
            json!({"metadata": {"name": "p", "annotations": {"a": "b"}},
                   "spec": {"containers": [{"name": "c"}]}, "status": {"phase": "Running"}})
        );
    }
}
