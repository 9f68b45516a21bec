"""What several test folders share: loopback servers, ways to run the suite, case files."""
