#!/usr/bin/env python3
"""synth-trace.py PACKETS [DROP_EVERY [flows]]: an ftrace text trace (stdout) of PACKETS loopback
packets over 4 CPUs, each queued, sent, received in a NET_RX softirq (raised by a hard IRQ on
every 8th packet), copied to a socket and consumed; every DROP_EVERY-th packet (default 4;
0: none) is dropped with reason NO_SOCKET at tcp_v4_rcv instead of being copied. Each packet
has its own address. The counts follow from the arguments alone (the browser tests and the
size measurements of docs/REPORT.md): drops = PACKETS // DROP_EVERY.
With 'flows', packets also carry flow evidence after their receive (a hop without a stage;
docs/analyses/skb.md, "Flows"), by the first rule that holds:
  i % 3 == 0: tcp_send_reset answering it (6.10+ text src=/dest=, the reset's ends: the
              packet's reversed): tcp 10.0.0.1:40000 > 10.0.0.2:80
  i % 6 == 4: the same over IPv6: tcp [2001:db8::1]:50000 > [2001:db8::2]:443
  i % 5 == 2: tcp_retransmit_skb (6.1 text: family, sport, dport, saddr, daddr; the packet's
              own): tcp 10.0.0.3:5000 > 10.0.0.4:8080
  otherwise none."""
import sys

n = int(sys.argv[1])
every = int(sys.argv[2]) if len(sys.argv) > 2 else 4
flows = len(sys.argv) > 3 and sys.argv[3] == 'flows'
out = sys.stdout
out.write('# tracer: nop\n#\n#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n')
tasks = [('nt-send', 4100), ('nt-send', 4101), ('curl', 4200), ('iperf3', 4300)]
t = 1000.0
for i in range(n):
    cpu = i % 4
    comm, pid = tasks[i % len(tasks)]
    a = '0xffff8881%08x' % (0x1000 + i * 0x100)
    ln = 60 + (i * 37) % 1400
    p = '%16s-%-6d [%03d] .....' % (comm, pid, cpu)
    k = '%16s-%-6d [%03d] ..s1.' % ('ksoftirqd/%d' % cpu, 20 + cpu, cpu)
    h = '%16s-%-6d [%03d] d.h1.' % (comm, pid, cpu)

    def ev(pre, dt, text):
        out.write('%s %.6f: %s\n' % (pre, t + dt, text))
    ev(p, 0.000000, 'net_dev_queue: dev=lo skbaddr=%s len=%d' % (a, ln))
    ev(p, 0.000002, 'net_dev_xmit: dev=lo skbaddr=%s len=%d rc=0' % (a, ln))
    if i % 8 == 0:
        ev(h, 0.000003, 'irq_handler_entry: irq=24 name=virtio0-input.0')
        ev(h, 0.000004, 'irq_handler_exit: irq=24 ret=handled')
    ev(p, 0.000005, 'softirq_raise: vec=3 [action=NET_RX]')
    ev(k, 0.000007, 'softirq_entry: vec=3 [action=NET_RX]')
    ev(k, 0.000009, 'netif_receive_skb: dev=lo skbaddr=%s len=%d' % (a, ln - 14))
    if flows and i % 3 == 0:
        ev(k, 0.000010, 'tcp_send_reset: skbaddr=%s skaddr=0x0 src=10.0.0.2:80 '
           'dest=10.0.0.1:40000 state=TCP_CLOSE reason=NO_SOCKET' % a)
    elif flows and i % 6 == 4:
        ev(k, 0.000010, 'tcp_send_reset: skbaddr=%s skaddr=0x0 src=[2001:db8::2]:443 '
           'dest=[2001:db8::1]:50000 state=TCP_CLOSE reason=NO_SOCKET' % a)
    elif flows and i % 5 == 2:
        ev(k, 0.000010, 'tcp_retransmit_skb: skbaddr=%s skaddr=0xffff888200008000 '
           'family=AF_INET sport=5000 dport=8080 saddr=10.0.0.3 daddr=10.0.0.4 '
           'saddrv6=::ffff:10.0.0.3 daddrv6=::ffff:10.0.0.4 state=TCP_ESTABLISHED' % a)
    if every and i % every == every - 1:
        ev(k, 0.000012, 'kfree_skb: skbaddr=%s rx_sk=0000000000000000 protocol=2048 '
           'location=tcp_v4_rcv+0x8b/0xee0 reason: NO_SOCKET' % a)
        ev(k, 0.000014, 'softirq_exit: vec=3 [action=NET_RX]')
    else:
        ev(k, 0.000014, 'softirq_exit: vec=3 [action=NET_RX]')
        ev(p, 0.000020 + (i % 5) * 0.000003, 'skb_copy_datagram_iovec: skbaddr=%s len=%d'
           % (a, ln - 42))
        ev(p, 0.000030 + (i % 7) * 0.000004, 'consume_skb: skbaddr=%s location=skb_free_datagram+0x10/0x40' % a)
    t += 0.000050
