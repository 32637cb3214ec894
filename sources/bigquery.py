"""BigQuery client for the UDP event store: credentials, bound parameters, SourceError."""

from __future__ import annotations

import concurrent.futures
import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import requests
from google.api_core import exceptions as api_exceptions
from google.auth import exceptions as auth_exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery
from google.cloud.bigquery.retry import DEFAULT_JOB_RETRY, DEFAULT_RETRY
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


def scalar_parameter(
    name: str, value: Any, kind: str | None = None
) -> bigquery.ScalarQueryParameter:
    """A named query parameter typed from its Python value (aware datetimes -> TIMESTAMP).

    ``kind="DATETIME"`` sends an aware datetime as its UTC wall time, for DATETIME columns.
    """
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError(f"query parameter {name}: naive datetime {value!r}")
        if kind == "DATETIME":
            civil = value.astimezone(UTC).replace(tzinfo=None)
            return bigquery.ScalarQueryParameter(name, "DATETIME", civil)
        return bigquery.ScalarQueryParameter(name, "TIMESTAMP", value)
    kinds = ((bool, "BOOL"), (int, "INT64"), (float, "FLOAT64"), (date, "DATE"), (str, "STRING"))
    for python_type, python_kind in kinds:
        if isinstance(value, python_type):
            return bigquery.ScalarQueryParameter(name, python_kind, value)
    raise ValueError(f"query parameter {name}: unsupported type {type(value).__name__}")


# The library's own waits (1 s doubling to 60 s), written as our policy; its deadline rules.
POLICY = RetryPolicy(factor=1.0, maximum=60.0, jitter=1.0)
# A job re-run after a transient job failure gets this many times the request timeout in all.
JOB_DEADLINE_FACTOR = 3


@dataclass(frozen=True)
class JobLimits:
    """What every query job carries: a cap on the bytes billed, and labels naming who ran it."""

    maximum_bytes_billed: int
    labels: Mapping[str, str] = field(default_factory=dict)

    def config(
        self,
        params: Mapping[str, Any],
        types: Mapping[str, str] | None = None,
        *,
        dry_run: bool = False,
    ) -> bigquery.QueryJobConfig:
        """A job config with the parameters bound (``types`` overrides a parameter's type)."""
        kinds = types or {}
        return bigquery.QueryJobConfig(
            query_parameters=[
                scalar_parameter(name, value, kinds.get(name)) for name, value in params.items()
            ],
            maximum_bytes_billed=self.maximum_bytes_billed,
            labels=dict(self.labels),
            dry_run=dry_run,
            use_query_cache=not dry_run,
        )


def query_frame(
    client: bigquery.Client,
    sql: str,
    params: Mapping[str, Any],
    *,
    timeout: float,
    limits: JobLimits,
    types: Mapping[str, str] | None = None,
    policy: RetryPolicy = POLICY,
) -> pd.DataFrame:
    """Run ``sql`` with named ``@params`` bound and return the rows as a DataFrame.

    The job carries ``limits`` (BigQuery refuses it past ``maximum_bytes_billed``). A job that
    fails for a transient reason (``jobBackendError``, ``jobRateLimitExceeded``...) is run
    again by the library's job retry, within a bounded deadline; a job still running when
    ``timeout`` runs out is cancelled, so it stops billing.

    Raises:
        RetriableSourceError: BigQuery was unavailable, throttled or too slow.
        FatalSourceError: the query or the credentials were refused, or the byte cap reached.
    """
    retry = _request_retry(timeout, policy)
    job_retry = DEFAULT_JOB_RETRY.with_timeout(timeout * JOB_DEADLINE_FACTOR)
    job = None
    try:
        job = client.query(
            sql,
            job_config=limits.config(params, types),
            retry=retry,
            timeout=timeout,
            # Given here, the library would also wrap jobs.insert in its own 10-minute retry
            # that ignores our deadline; given to result() only, it re-runs failed jobs.
            job_retry=None,
        )
        rows = job.result(timeout=timeout, retry=retry, job_retry=job_retry)
        with warnings.catch_warnings():
            # 3.47 steers to pandas-gbq, which would pull in more dependencies for the same frame.
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            return rows.to_dataframe(create_bqstorage_client=False)
    except concurrent.futures.TimeoutError as err:
        _cancel(client, job, timeout)
        raise RetriableSourceError(_describe(err, "still running; cancelled"), SOURCE) from err
    except _RETRIABLE as err:
        raise _source_error(err) from err
    except (api_exceptions.GoogleAPIError, auth_exceptions.GoogleAuthError) as err:
        raise FatalSourceError(_describe(err), SOURCE) from err


# Job failures the library reports as a 500 although trying again cannot help.
FATAL_REASONS = frozenset({"bytesBilledLimitExceeded", "billingTierLimitExceeded"})


def _source_error(err: Exception) -> RetriableSourceError | FatalSourceError:
    reasons = {e.get("reason") for e in getattr(err, "errors", None) or [] if isinstance(e, dict)}
    if reasons & FATAL_REASONS:
        return FatalSourceError(_describe(err), SOURCE)
    return RetriableSourceError(_describe(err), SOURCE)


def dry_run_bytes(
    client: bigquery.Client,
    sql: str,
    params: Mapping[str, Any],
    *,
    timeout: float,
    limits: JobLimits,
    types: Mapping[str, str] | None = None,
) -> int:
    """The bytes BigQuery says ``sql`` would scan (a dry run: nothing runs, nothing is billed)."""
    try:
        job = client.query(
            sql,
            job_config=limits.config(params, types, dry_run=True),
            retry=_request_retry(timeout, POLICY),
            timeout=timeout,
        )
    except _RETRIABLE as err:
        raise RetriableSourceError(_describe(err), SOURCE) from err
    except (api_exceptions.GoogleAPIError, auth_exceptions.GoogleAuthError) as err:
        raise FatalSourceError(_describe(err), SOURCE) from err
    return int(job.total_bytes_processed or 0)


def _request_retry(timeout: float, policy: RetryPolicy) -> Any:
    # The library retries requests for 10 minutes by default; a nightly job gives up sooner.
    return DEFAULT_RETRY.with_timeout(timeout).with_delay(
        initial=policy.factor, maximum=policy.maximum, multiplier=2.0
    )


def _cancel(client: bigquery.Client, job: bigquery.QueryJob | None, timeout: float) -> None:
    """Ask BigQuery to stop a job we no longer wait for; an abandoned job keeps billing."""
    if job is None:
        return
    try:
        client.cancel_job(job.job_id, location=job.location, timeout=timeout)
        logger.warning("BigQuery job %s outlived %.0f s and was cancelled", job.job_id, timeout)
    except (api_exceptions.GoogleAPIError, requests.exceptions.RequestException) as err:
        logger.warning("BigQuery job %s could not be cancelled: %s", job.job_id, _describe(err))


def _describe(err: Exception, detail: str = "") -> str:
    first_line = (str(err).strip().splitlines() or [""])[0] or detail
    return redact(f"BigQuery query failed: {type(err).__name__}: {first_line}"[:500])
