"""PACS exchange over DICOMweb: search (QIDO-RS), retrieve a series (WADO-RS), store results (STOW-RS).

Nothing is sent anywhere unless the user names a configuration file (:func:`load_pacs_config`); see
``docs/pacs.md``. ``requests`` is imported only by :mod:`gynai.pacs.client`.
"""

from gynai.pacs.config import PacsConfig, config_from_dict, load_pacs_config

__all__ = ["PacsConfig", "config_from_dict", "load_pacs_config"]
