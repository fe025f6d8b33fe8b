"""Reinforcement learning on groundup's engine (Phase 10 of the implementation curriculum).

``rl.core`` holds what every agent shares: returns and advantages, replay and rollout
storage. The agents themselves (tabular, policy gradient, value based, actor-critic)
each read top to bottom in one file of their own subpackage.
"""
