from tests.e2e.harness import harness, oauth_harness, sim, sim_harness, slack

__all__ = ["harness", "oauth_harness", "sim", "sim_harness", "slack"]
