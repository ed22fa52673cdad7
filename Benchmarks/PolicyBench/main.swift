print("policy-bench: not built yet")
