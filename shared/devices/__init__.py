"""Devices: a resource group made by the module generator.

Command: `starter generate module device --template production`.
Owners see and change their own devices; moderators and admins see and change all.
Extend schemas.py, service.py and the migration with your own fields. `starter revert module
device` removes the group while its files are as generated.
"""
