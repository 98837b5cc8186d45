"""The `ouro` command line: a thin shell over library functions."""
