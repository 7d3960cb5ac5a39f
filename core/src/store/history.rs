//! Putting names to the members in a record's history.

use std::collections::HashMap;

use super::Store;
use crate::error::Result;
use crate::ids::ProjectId;
use crate::model::HistoryEntry;

impl Store {
    pub(crate) fn name_members(&self, project: ProjectId, mut entries: Vec<HistoryEntry>) -> Result<Vec<HistoryEntry>> {
        let names: HashMap<_, _> = self
            .project(project)?
            .members
            .into_iter()
            .map(|m| (m.id, m.display_name))
            .collect();
        for entry in &mut entries {
            entry.member_name = entry.member_id.and_then(|id| names.get(&id).cloned());
        }
        Ok(entries)
    }
}
