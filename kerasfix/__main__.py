from kerasfix.frontends.cli import main

main()
