"""The LLM scorer, in the order a judgement is made: the prompt, the client that asks the model,
reading its replies, verifying their quotes, and aggregating samples into a report."""
