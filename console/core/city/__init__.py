"""The city model: five levels of divisions, their boundaries and the point lookup."""

from console.core.city.city import City, CityDataError
from console.core.city.loader import default_city, load_city
from console.core.city.model import Bridge, Division, JurisdictionPath, Level

__all__ = [
    "Bridge",
    "City",
    "CityDataError",
    "Division",
    "JurisdictionPath",
    "Level",
    "default_city",
    "load_city",
]
