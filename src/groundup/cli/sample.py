"""`groundup sample RUN_DIR --prompt ...`: generate text from a trained GPT checkpoint.

The run directory is one written by ``groundup run gpt-shakespeare`` (or any milestone
that saves a GPT checkpoint: weights, ``GPTConfig`` and tokenizer). Generation uses the
key/value cache; the context is cropped to the model's ``block_size``.
"""

from __future__ import annotations

import typer


def sample(
    run_dir: str = typer.Argument(..., help="A run directory (or its checkpoint.npz)."),
    prompt: str = typer.Option("\n", "--prompt", help="Text to continue."),
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
        ids = tok.encode(prompt)
    except (FileNotFoundError, ValueError) as e:
        raise GroundupError(str(e)) from None
    if not ids:
        raise GroundupError("--prompt must not be empty (use '\\n' to start a new line)")
    out = model.generate(
        np.array([ids]),
        tokens,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        use_cache=not no_cache,
        generator=seed,
    )
    typer.echo(tok.decode(out[0]))
