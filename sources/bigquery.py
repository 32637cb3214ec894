"""BigQuery client for the UDP event store: credentials, bound parameters, SourceError."""

from __future__ import annotations

import concurrent.futures
import logging
import warnings
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import requests
from google.api_core import exceptions as api_exceptions
from google.auth import exceptions as auth_exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery
from google.cloud.bigquery.retry import DEFAULT_RETRY
from google.oauth2 import service_account

from redaction import redact
from sources.retry import RetryPolicy
from vocab import DataSourceName, FatalSourceError, RetriableSourceError

if TYPE_CHECKING:
    import pandas as pd

    from settings import BigQuerySettings

logger = logging.getLogger(__name__)

SOURCE = DataSourceName.UNIZIN_DATA_PLATFORM_EVENTS
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
_RETRIABLE = (
    api_exceptions.ServerError,
    api_exceptions.TooManyRequests,
    api_exceptions.RetryError,
    concurrent.futures.TimeoutError,
    requests.exceptions.RequestException,
)


def make_client(cfg: BigQuerySettings) -> bigquery.Client:
    """A client for production (service-account key) or the sandbox (endpoint, anonymous)."""
    if cfg.api_endpoint:
        logger.info("BigQuery: using the API endpoint %s without credentials", cfg.api_endpoint)
        return bigquery.Client(
            project=cfg.project or "sandbox",
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": cfg.api_endpoint},
        )
    if cfg.service_account_json is None:
        raise FatalSourceError(
            "no service-account key file configured (MIVIDEO.udp_service_account_json_filename)",
            SOURCE,
        )
    try:
        credentials = service_account.Credentials.from_service_account_file(
            str(cfg.service_account_json), scopes=SCOPES
        )
    except (OSError, ValueError) as err:
        # The message names the file only: its content is a secret.
        message = (
            f"cannot read the service-account key file {cfg.service_account_json}: "
            f"{type(err).__name__}"
        )
        raise FatalSourceError(message, SOURCE) from err
    return bigquery.Client(project=cfg.project or credentials.project_id, credentials=credentials)


def scalar_parameter(name: str, value: Any) -> bigquery.ScalarQueryParameter:
    """A named query parameter typed from its Python value (aware datetimes -> TIMESTAMP)."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError(f"query parameter {name}: naive datetime {value!r}")
        return bigquery.ScalarQueryParameter(name, "TIMESTAMP", value)
    kinds = ((bool, "BOOL"), (int, "INT64"), (float, "FLOAT64"), (date, "DATE"), (str, "STRING"))
    for python_type, kind in kinds:
        if isinstance(value, python_type):
            return bigquery.ScalarQueryParameter(name, kind, value)
    raise ValueError(f"query parameter {name}: unsupported type {type(value).__name__}")


# The library's own waits (1 s doubling to 60 s), written as our policy; its deadline rules.
POLICY = RetryPolicy(factor=1.0, maximum=60.0, jitter=1.0)


def query_frame(
    client: bigquery.Client,
    sql: str,
    params: Mapping[str, Any],
    *,
    timeout: float,
    policy: RetryPolicy = POLICY,
) -> pd.DataFrame:
    """Run ``sql`` with named ``@params`` bound and return the rows as a DataFrame.

    Raises:
        RetriableSourceError: BigQuery was unavailable, throttled or too slow.
        FatalSourceError: the query or the credentials were refused.
    """
    config = bigquery.QueryJobConfig(
        query_parameters=[scalar_parameter(name, value) for name, value in params.items()]
    )
    # The library retries for 10 minutes by default; a nightly job should give up sooner.
    # Its job-level retry wraps jobs.insert in another 10-minute deadline that ignores ours,
    # so it is off: the request-level retry below still covers 5xx, 429 and lost connections.
    retry = DEFAULT_RETRY.with_timeout(timeout).with_delay(
        initial=policy.factor, maximum=policy.maximum, multiplier=2.0
    )
    try:
        job = client.query(sql, job_config=config, retry=retry, timeout=timeout, job_retry=None)
        rows = job.result(timeout=timeout, retry=retry, job_retry=None)
        with warnings.catch_warnings():
            # 3.47 steers to pandas-gbq, which would pull in more dependencies for the same frame.
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            return rows.to_dataframe(create_bqstorage_client=False)
    except _RETRIABLE as err:
        raise RetriableSourceError(_describe(err), SOURCE) from err
    except (api_exceptions.GoogleAPIError, auth_exceptions.GoogleAuthError) as err:
        raise FatalSourceError(_describe(err), SOURCE) from err


def _describe(err: Exception) -> str:
    first_line = (str(err).strip().splitlines() or [""])[0]
    return redact(f"BigQuery query failed: {type(err).__name__}: {first_line}"[:500])
