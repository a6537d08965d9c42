"""Care plans (客户关怀计划): rules by tier, tenure and need that generate
follow-ups every night, and the segments that change how a customer is served."""
