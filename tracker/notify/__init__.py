"""Alerts: tell people, through any apprise target, when a snapshot stores a change they follow.

A rule (`rules`) names a target and the changes it wants. After a snapshot run has committed,
`deliver.after_run` matches each rule against the changes stored since its last message
(`matching`), writes one message per rule (`message`: the stories, versions, tags, fact changes
and changed sentences, in the format the target takes) and sends it (`send`, apprise, loaded
only then). Sending never fails a run: a target that is down is retried on the next run and
reported once. The schema makes every change go out once per rule, also when two workers race
(see tracker.db.models.AlertDelivery).
"""
