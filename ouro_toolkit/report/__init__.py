"""`ouro report`: one self-contained HTML page of a build folder or an `ouro experiment` run.

It only reads what other layers wrote (shards, markers, the recorded config, experiment results
and eval files) and scores scenes rows with the experiment's truth check, so it sits above the
experiment layer and below the CLI.
"""
