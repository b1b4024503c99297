"""Local stand-ins for the providers' APIs Interlock guards: for the demo and the tests, never for production."""
