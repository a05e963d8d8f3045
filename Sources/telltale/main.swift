print("telltale")
