"""Payment providers behind one interface (provider.py): WeChat Pay (wechat.py), Alipay
(alipay.py), the demo simulator (simulator.py); their selection and rules (config.py, gateways.py),
refunds sent to them (refunds.py), the daily reconciliation (reconcile.py). Their sandboxes
(sandboxes/) are imported only by the appliance and tests. docs/payments.md."""
