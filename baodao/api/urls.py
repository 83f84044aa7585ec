from ninja import NinjaAPI

api = NinjaAPI(title="Baodao API", version="1")
