from feedsite.cli import entry

entry()
