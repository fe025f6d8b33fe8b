"""`groundup sample RUN_DIR --prompt ...`: generate text from a trained GPT checkpoint.

The run directory is one written by ``groundup run gpt-shakespeare`` (or any milestone
that saves a GPT checkpoint: weights, ``GPTConfig`` and tokenizer). Generation uses the
key/value cache; the context is cropped to the model's ``block_size``. A run of an
alignment milestone that keeps its starting model (``align-rev``) prints the completion
before alignment and after it, with the same prompt and seed.

The prompt may hold the escapes ``\\n`` (a new line), ``\\t`` (a tab) and ``\\\\`` (a
backslash), since a shell cannot easily pass a newline: ``--prompt 'ROMEO:\\n'``.
"""

from __future__ import annotations

import typer


def sample(
    run_dir: str = typer.Argument(..., help="A run directory (or its checkpoint.npz)."),
    prompt: str = typer.Option(
        "\\n", "--prompt", help="Text to continue; \\n is a new line (the default)."
    ),
    tokens: int = typer.Option(200, "--tokens", help="Number of tokens to generate."),
    temperature: float = typer.Option(0.8, help="Softmax temperature (0: greedy)."),
    top_k: int = typer.Option(None, "--top-k", help="Sample among the k most likely tokens."),
    top_p: float = typer.Option(None, "--top-p", help="Nucleus sampling: smallest set of mass p."),
    seed: int = typer.Option(0, help="Seed of the sampler."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Recompute every step (slow)."),
) -> None:
    """Continue PROMPT with a GPT checkpoint and print the prompt plus the generated text."""
    import numpy as np

    from groundup.errors import GroundupError
    from groundup.milestones.gpt_shakespeare import load_model

    try:
        model, tok, _ = load_model(run_dir)
    except (FileNotFoundError, ValueError) as e:
        raise GroundupError(str(e)) from None
    text = unescape(prompt)
    if not text:
        raise GroundupError(
            "--prompt is empty: give the text to continue, or --prompt '\\n' (backslash n) "
            "to start at a new line"
        )
    try:
        ids = tok.encode(text)
    except ValueError as e:
        raise GroundupError(f"--prompt {prompt!r}: {e}") from None

    def generate(m):
        out = m.generate(
            np.array([ids]),
            tokens,
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
            use_cache=not no_cache,
            generator=seed,
        )
        return tok.decode(out[0])

    before = reference_model(run_dir, model)
    if before is None:
        typer.echo(generate(model))
        return
    # an alignment run: the same prompt and seed before and after
    typer.echo("--- before alignment (the reference model) ---")
    typer.echo(generate(before))
    typer.echo("--- after alignment ---")
    typer.echo(generate(model))


def reference_model(run_dir: str, model):
    """The model before alignment, if the run kept it (``state["reference_model"]``), else None."""
    import copy

    from groundup.milestones.loop import load_checkpoint

    try:
        ref = (load_checkpoint(run_dir)["state"] or {}).get("reference_model")
    except (FileNotFoundError, ValueError, KeyError):
        return None
    if not ref:
        return None
    before = copy.deepcopy(model)
    before.load_state_dict(ref)
    before.eval()
    return before


def unescape(prompt: str) -> str:
    r"""``prompt`` with ``\n``, ``\t`` and ``\\`` turned into a newline, a tab and a backslash.

    >>> unescape(r"ROMEO:\nJULIET") == "ROMEO:\nJULIET"
    True
    >>> unescape(r"a\\nb") == "a\\nb"
    True
    """
    out, i = [], 0
    while i < len(prompt):
        pair = prompt[i : i + 2]
        if pair in ("\\n", "\\t", "\\\\"):
            out.append({"\\n": "\n", "\\t": "\t", "\\\\": "\\"}[pair])
            i += 2
        else:
            out.append(prompt[i])
            i += 1
    return "".join(out)
