"""`groundup play RUN_DIR`: an animated GIF of a trained RL agent.

The run directory is one written by an RL milestone (``groundup run pendulum-sac``,
``pendulum-td3``, ...). The agent is rebuilt from the run's configuration and
checkpoint and plays deterministically (its mean or greedy action) in Gymnasium's
``rgb_array`` rendering; the frames go to ``RUN_DIR/play.gif`` unless ``--out`` says
otherwise. Classic-control rendering needs pygame (``pip install 'groundup[render]'``).
"""

from __future__ import annotations

import typer


def play(
    run_dir: str = typer.Argument(..., help="A run directory of an RL milestone."),
    out: str = typer.Option(
        None, "--out", help="Where to write the GIF (default RUN_DIR/play.gif)."
    ),
    episodes: int = typer.Option(1, "--episodes", help="Episodes to play one after another."),
    seed: int = typer.Option(10_000, "--seed", help="Seed of the first episode's start state."),
    fps: int = typer.Option(30, "--fps", help="Frames per second of the GIF."),
) -> None:
    """Write an animated GIF of the trained agent of RUN_DIR and print its returns."""
    from pathlib import Path

    from groundup.errors import GroundupError
    from groundup.milestones._rl_agent import load_agent
    from groundup.rl.core.envs import record_gif

    try:
        agent, saved = load_agent(run_dir)
        path = Path(out) if out else Path(run_dir) / "play.gif"
        result = record_gif(agent.act, agent.config.env_id, path, episodes, seed, fps)
    except (FileNotFoundError, ValueError, RuntimeError) as e:
        raise GroundupError(str(e)) from None
    returns = ", ".join(f"{r:.1f}" for r in result["returns"])
    typer.echo(f"{path}: {result['frames']} frames of {saved['milestone']}; returns {returns}")
