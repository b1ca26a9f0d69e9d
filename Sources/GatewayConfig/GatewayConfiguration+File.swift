// Being written: YAML loading with file:line:column errors.
