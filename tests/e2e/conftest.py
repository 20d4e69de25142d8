from tests.e2e.harness import harness, oauth_harness, slack

__all__ = ["harness", "oauth_harness", "slack"]
