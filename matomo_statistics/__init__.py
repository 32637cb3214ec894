"""MATOMO_STATISTICS: daily visit and page statistics of Canvas from Matomo's Reporting API."""
