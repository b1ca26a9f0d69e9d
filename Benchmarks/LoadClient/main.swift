// The load client (being written).
print("ssegate-load")
