"""cx-assess: customer-experience maturity assessments as a Slack conversation."""

__version__ = "0.1.0"
