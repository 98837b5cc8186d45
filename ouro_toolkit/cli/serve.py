"""`ouro serve`: start SGLang (from its own environment) and print the URL for --server-url."""

from __future__ import annotations

import click


@click.command()
@click.option(
    "--model",
    default="Qwen/Qwen2-VL-7B-Instruct",
    show_default=True,
    help="Hub id or local folder of the model to serve.",
)
@click.option(
    "--sglang-python",
    required=True,
    type=click.Path(dir_okay=False),
    help="Python of an environment with SGLang installed, e.g. sglang-env/bin/python "
    "(SGLang cannot share the toolkit's environment).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=30000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--chat-template", default="qwen2-vl", show_default=True, help="SGLang chat template name."
)
@click.option(
    "--tp", default=1, show_default=True, type=click.IntRange(1), help="Tensor-parallel GPUs."
)
@click.option(
    "--mem-fraction-static",
    type=float,
    default=None,
    help="GPU memory share for weights + KV cache.",
)
@click.option(
    "--health-timeout",
    default=900.0,
    show_default=True,
    help="Seconds to wait for /health (the first start downloads weights).",
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Where SGLang's output goes [default: sglang-PORT.log].",
)
@click.argument("extra_args", nargs=-1, type=click.UNPROCESSED)
def serve(
    model: str,
    sglang_python: str,
    host: str,
    port: int,
    chat_template: str,
    tp: int,
    mem_fraction_static: float | None,
    health_timeout: float,
    log_file: str | None,
    extra_args: tuple[str, ...],
) -> None:
    """Serve MODEL with SGLang, wait until it is healthy, print its URL; Ctrl-C or SIGTERM stops it.

    \b
    Example:
      python -m venv sglang-env && sglang-env/bin/pip install "sglang[all]==0.5.23"
      ouro serve --sglang-python sglang-env/bin/python --model Qwen/Qwen2-VL-7B-Instruct
      ouro describe photo.jpg --backend openai --server-url http://127.0.0.1:30000 \\
          --model Qwen/Qwen2-VL-7B-Instruct
    Arguments after `--` go to sglang.launch_server unchanged.
    """
    from ouro_toolkit.serving.process import ServerStartError
    from ouro_toolkit.serving.sglang import SGLangConfig, launch_sglang, serve_until_stopped
    from ouro_toolkit.serving.signals import StopSignals

    config = SGLangConfig(
        python=sglang_python,
        model=model,
        host=host,
        port=port,
        chat_template=chat_template,
        tp=tp,
        mem_fraction_static=mem_fraction_static,
        extra_args=list(extra_args),
        health_timeout=health_timeout,
    )
    log_path = log_file or f"sglang-{port}.log"
    click.echo(f"starting SGLang for {model} (log: {log_path}) ...", err=True)
    # Ctrl-C, SIGTERM and SIGHUP become a stop request from here on, even when SIGINT came in
    # ignored (a background job of a script); every way out stops the server.
    with StopSignals() as stop:
        try:
            server = launch_sglang(config, log_path, stop_requested=lambda: stop.requested)
        except ServerStartError as exc:
            raise click.ClickException(
                f"{stop.name}: {exc}" if stop.requested else str(exc)
            ) from None
        try:
            click.echo(
                f"SGLang is ready (pid {server.pid}). Pass it to the toolkit with:", err=True
            )
            click.echo(f"--backend openai --server-url {server.url} --model {model}", err=True)
            click.echo(server.url)  # stdout: just the URL, for scripts
            code = serve_until_stopped(server, stop)
        finally:
            server.stop(grace=30.0)
    if code:
        raise click.ClickException(f"SGLang exited with code {code}; see {log_path}")
    click.echo(f"SGLang stopped ({stop.name}).", err=True)
