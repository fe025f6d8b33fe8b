from groundup.cli import main

main()
