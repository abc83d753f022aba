"""Transactions: a resource group made by the module generator.

Command: `starter generate module transaction --template production`.
Owners see and change their own transactions; moderators and admins see and change all.
Extend schemas.py, service.py and the migration with your own fields. `starter revert module
transaction` removes the group while its files are as generated.
"""
