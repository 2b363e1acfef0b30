from sejahtera.cli import main

main()
