# The list of tests (one line each).
nt_c_test(unit_event unit/test_event.c)
nt_sh_test(cli_basics unit cli_basics.sh 60)
nt_sh_test(tracedat_fixtures fixture fixture/tracedat_fixtures.sh)
nt_sh_test(record_udp capture capture/record_udp.sh)
nt_sh_test(record_failures capture capture/record_failures.sh)
nt_sh_test(tracedat_fuzz fixture fixture/tracedat_fuzz.sh 900)
nt_sh_test(import_kill capture capture/import_kill.sh 600)
nt_sh_test(irq_lttng fixture fixture/irq_lttng.sh 900)
