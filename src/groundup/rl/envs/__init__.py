"""Environments groundup defines (each passes Gymnasium's ``check_env``)."""

from groundup.rl.envs.identity import IdentityEnv, IdentityEnvBox

__all__ = ["IdentityEnv", "IdentityEnvBox"]
