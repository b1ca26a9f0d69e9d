print("ssegate")
