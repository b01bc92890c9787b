from feedsite.cli import main

raise SystemExit(main())
