"""MIVIDEO job: MiVideo (Kaltura) media starts from UDP events and media created from Kaltura."""
