"""Card templates (Markdown with YAML front matter) for the dataset and model cards we push."""
