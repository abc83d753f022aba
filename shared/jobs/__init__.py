"""Jobs that span several domains (scheduled clean-up, alert ticks, deploy-time steps). They sit
above the domains so that no domain has to import another one back."""
