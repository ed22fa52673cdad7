enum BrokerPlaceholder {}
