"""Starting and stopping model servers the toolkit talks to over HTTP."""
