"""Grid planning: drafts, validation, publishing, versions, history, proposals and export."""
