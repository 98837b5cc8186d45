"""M0: a small Qwen2-VL trained from scratch on procedural scenes for every role the pipeline
gives it (region descriptions, scene captions, QA writing) plus short answers."""
