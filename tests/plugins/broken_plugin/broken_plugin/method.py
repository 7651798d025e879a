"""A method module that fails on import, as one with a missing dependency does."""

import a_package_that_is_not_installed  # noqa: F401
