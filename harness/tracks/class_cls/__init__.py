"""Track `class-cls`: class-incremental classification without task id (CODA-Prompt's protocol)."""
